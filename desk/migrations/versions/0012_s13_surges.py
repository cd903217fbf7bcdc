"""Surges (issue 13): groups of similar employee messages that no active incident explains, for the console.

``ix_messages_created``: the detection reads the last minutes of messages every 30 s (and the purge reads by time).

Revision ID: s13_surges
Revises: m13_incident_chat
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s13_surges"
down_revision = "m13_incident_chat"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``incident_surges`` and index the messages by time."""
    op.create_table(
        "incident_surges",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("centroid", sa.LargeBinary(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("examples", sa.JSON(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.Column("trend", sa.JSON(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dismissed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dismissed_by", sa.String(length=80), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_incident_surges_status", "incident_surges", ["status", "last_seen"], unique=False)
    # A database adopted from before migrations has today's indexes of its tables already; offline SQL (``--sql``)
    # is for an empty database.
    if not op.get_context().as_sql:
        if "ix_messages_created" in {i["name"] for i in sa.inspect(op.get_bind()).get_indexes("messages")}:
            return
    op.create_index("ix_messages_created", "messages", ["created_at"], unique=False)


def downgrade() -> None:
    """Drop ``incident_surges`` and the index."""
    op.drop_index("ix_messages_created", table_name="messages")
    op.drop_index("ix_incident_surges_status", table_name="incident_surges")
    op.drop_table("incident_surges")
