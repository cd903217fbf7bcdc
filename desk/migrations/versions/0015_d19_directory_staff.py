"""Staff sign-in with the directory (issue 19): ``users.source`` marks directory-managed accounts.

Revision ID: d19_directory_staff
Revises: r19_requests
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d19_directory_staff"
down_revision = "r19_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``users.source`` (NULL: a local account, ``directory``: managed by the directory)."""
    # A database adopted from before migrations got every nullable column of today's schema already.
    if not op.get_context().as_sql:
        if "source" in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("users")}:
            return
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("source", sa.String(length=16), nullable=True))


def downgrade() -> None:
    """Drop ``users.source``."""
    with op.batch_alter_table("users") as batch:
        batch.drop_column("source")
