"""Runs of the background jobs (issue 14, operations): how often the purge ran and failed, its last success.

Revision ID: f14_metrics
Revises: monotonic_ids
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "f14_metrics"
down_revision = "monotonic_ids"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``job_runs``."""
    op.create_table(
        "job_runs",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("job_runs")
