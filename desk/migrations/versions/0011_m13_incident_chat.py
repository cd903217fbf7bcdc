"""Incidents in the chat (issue 13): which conversation was shown which incident and what it chose; links.

``incident_matches``: one row per conversation and incident the chat answered with it (``choice``: shown,
subscribe, other, escalate). ``escalations.incident_id``: an escalation an employee asked for while the incident
was the answer, linked to it instead of standing alone (tickets made from it carry the reference).

Revision ID: m13_incident_chat
Revises: k13_incidents
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "m13_incident_chat"
down_revision = "k13_incidents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``incident_matches`` and add ``escalations.incident_id``."""
    op.create_table(
        "incident_matches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("choice", sa.String(length=16), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "conversation_id", name="uq_incident_matches"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_incident_matches_at", "incident_matches", ["at"], unique=False)
    # A database adopted from before migrations got every nullable column of today's schema already (with the
    # index, when its table was made from today's schema); offline SQL (``--sql``) is for an empty database.
    if not op.get_context().as_sql:
        inspector = sa.inspect(op.get_bind())
        if "incident_id" in {c["name"] for c in inspector.get_columns("escalations")}:
            if "ix_escalations_incident" not in {i["name"] for i in inspector.get_indexes("escalations")}:
                op.create_index("ix_escalations_incident", "escalations", ["incident_id"], unique=False)
            return
    with op.batch_alter_table("escalations") as batch:
        batch.add_column(sa.Column("incident_id", sa.Integer(), nullable=True))
    op.create_index("ix_escalations_incident", "escalations", ["incident_id"], unique=False)


def downgrade() -> None:
    """Drop what :func:`upgrade` added."""
    op.drop_index("ix_escalations_incident", table_name="escalations")
    with op.batch_alter_table("escalations") as batch:
        batch.drop_column("incident_id")
    op.drop_index("ix_incident_matches_at", table_name="incident_matches")
    op.drop_table("incident_matches")
