"""Canned replies and internal notes for the agent console (issue 18).

Revision ID: i18_console
Revises: f14_metrics
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i18_console"
down_revision = "f14_metrics"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``canned_replies`` and ``escalation_notes``."""
    op.create_table(
        "canned_replies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("title"),
    )
    op.create_table(
        "escalation_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_escalation_notes_escalation", "escalation_notes", ["escalation_id", "id"], unique=False)


def downgrade() -> None:
    """Drop both tables."""
    op.drop_index("ix_escalation_notes_escalation", table_name="escalation_notes")
    op.drop_table("escalation_notes")
    op.drop_table("canned_replies")
