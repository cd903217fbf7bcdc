"""Alembic's environment: migrations run on the connection :mod:`desk.migrate` hands over (no alembic.ini)."""

from __future__ import annotations

from alembic import context

from desk.db import metadata

if context.is_offline_mode():  # python -m desk.migrate --sql: the SQL as text
    context.configure(url=context.config.get_main_option("sqlalchemy.url"), literal_binds=True)
else:
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
