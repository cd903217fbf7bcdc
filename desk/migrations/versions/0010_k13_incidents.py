"""Major incidents (issue 13): incidents, their history (the publish audit), subscriptions, a change counter.

Revision ID: k13_incidents
Revises: j18_attachments
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "k13_incidents"
down_revision = "j18_attachments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``incidents``, ``incident_updates`` and ``incident_subscriptions``."""
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("symptoms", sa.Text(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("status_text", sa.Text(), nullable=False),
        sa.Column("workaround", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("next_update_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("published", sa.JSON(), nullable=True),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_incidents_status", "incidents", ["status", "id"], unique=False)
    op.create_table(
        "incident_updates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("next_update_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("by_username", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_incident_updates_incident", "incident_updates", ["incident_id", "id"], unique=False)
    op.create_table(
        "incident_subscriptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("notified_revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "conversation_id", name="uq_incident_subscriptions"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_incident_subscriptions_conversation", "incident_subscriptions", ["conversation_id"], unique=False
    )
    # The change counter every process polls to see a publish or a resolution (the chat's matching).
    counters = sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.Integer))
    op.bulk_insert(counters, [{"name": "incidents", "value": 0}])


def downgrade() -> None:
    """Drop the three tables and the counter."""
    op.execute("DELETE FROM counters WHERE name = 'incidents'")
    op.drop_index("ix_incident_subscriptions_conversation", table_name="incident_subscriptions")
    op.drop_table("incident_subscriptions")
    op.drop_index("ix_incident_updates_incident", table_name="incident_updates")
    op.drop_table("incident_updates")
    op.drop_index("ix_incidents_status", table_name="incidents")
    op.drop_table("incidents")
