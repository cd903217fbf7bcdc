"""Access audit and data-subject requests (issue 14): who opened which escalation, and export/erase requests.

Revision ID: d14_privacy_audit
Revises: c14_retention
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d14_privacy_audit"
down_revision = "c14_retention"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``access_audit`` and ``subject_requests``."""
    op.create_table(
        "access_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("staff_username", sa.String(length=80), nullable=False),
        sa.Column("view", sa.String(length=16), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_access_audit_at", "access_audit", ["at"], unique=False)
    op.create_table(
        "subject_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("given", sa.String(length=16), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("subject_requests")
    op.drop_index("ix_access_audit_at", table_name="access_audit")
    op.drop_table("access_audit")
