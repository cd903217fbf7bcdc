"""Ids that are never reused: SQLite's AUTOINCREMENT on messages, escalations and tickets.

Without it SQLite hands out ``max(id) + 1``: after the purge or an erase removed the newest rows, new
messages got ids the change pollers and the clients had already seen, and live pushes stopped until the
ids caught up. PostgreSQL's sequences never go back, so this only rebuilds the SQLite tables.

Revision ID: monotonic_ids
Revises: d14_privacy_audit
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "monotonic_ids"
down_revision = "d14_privacy_audit"
branch_labels = None
depends_on = None

TABLES = ("messages", "escalations", "tickets")


def upgrade() -> None:
    """Rebuild the three tables with AUTOINCREMENT (SQLite only); the copy seeds the sequence with max(id)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": True}):
            pass


def downgrade() -> None:
    """Rebuild them without AUTOINCREMENT."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": False}):
            pass
