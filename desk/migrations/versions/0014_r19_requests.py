"""Structured requests (issue 19): ``service_requests``, and a ticket's request kind and fields.

Revision ID: r19_requests
Revises: l19_unlock
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r19_requests"
down_revision = "l19_unlock"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``service_requests`` and add ``tickets.request_kind`` and ``tickets.fields``."""
    op.create_table(
        "service_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=32), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("user_pseudonym", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("approver", sa.String(length=200), nullable=True),
        sa.Column("approval_nonce", sa.String(length=64), nullable=True),
        sa.Column("approval_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ticket_number", sa.String(length=64), nullable=True),
        sa.Column("ticket_sink", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_service_requests_user", "service_requests", ["user_pseudonym", "id"], unique=False)
    # A database adopted from before migrations got every nullable column of today's schema already.
    if not op.get_context().as_sql:
        have = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("tickets")}
        if {"request_kind", "fields"} <= have:
            return
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("request_kind", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("fields", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop what :func:`upgrade` added."""
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("fields")
        batch.drop_column("request_kind")
    op.drop_index("ix_service_requests_user", table_name="service_requests")
    op.drop_table("service_requests")
