"""Whether a conversation's employee was signed in (intranet identity) or an anonymous browser.

The weekly report counts "did not come back about the same topic within 3 working days" only for signed-in
employees: an anonymous browser's return cannot be seen. Older conversations stay NULL (treated as anonymous).

Revision ID: e14_weekly_report
Revises: i18_console
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e14_weekly_report"
down_revision = "i18_console"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``conversations.signed_in`` (nullable: unknown for older rows).

    A database from before migrations got every missing nullable column when it was adopted: then it is there.
    """
    if not op.get_context().as_sql:  # offline SQL (``--sql``) is for an empty database
        if "signed_in" in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("conversations")}:
            return
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("signed_in", sa.Boolean(), nullable=True))


def downgrade() -> None:
    """Drop the column again."""
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("signed_in")
