"""Account unlock in the chat (issue 19): open codes, the rate-limit window and the unlock audit.

``unlock_challenges``: one row per code request of a conversation (keyed hash of the code, tries, state).
``unlock_requests``: the last hour's requests as hashes (per name, per client address, in total).
``unlock_audit``: every step (start, verify) with its result; kept as long as the access audit.

Revision ID: l19_unlock
Revises: s13_surges
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "l19_unlock"
down_revision = "s13_surges"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the three tables."""
    op.create_table(
        "unlock_challenges",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=80), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_unlock_challenges_conversation", "unlock_challenges", ["conversation_id", "id"], unique=False)
    op.create_table(
        "unlock_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("name_hash", sa.String(length=64), nullable=False),
        sa.Column("client_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_unlock_requests_at", "unlock_requests", ["at"], unique=False)
    op.create_table(
        "unlock_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("user_pseudonym", sa.String(length=64), nullable=True),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("result", sa.String(length=24), nullable=False),
        sa.Column("account", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_unlock_audit_at", "unlock_audit", ["at"], unique=False)


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_index("ix_unlock_audit_at", table_name="unlock_audit")
    op.drop_table("unlock_audit")
    op.drop_index("ix_unlock_requests_at", table_name="unlock_requests")
    op.drop_table("unlock_requests")
    op.drop_index("ix_unlock_challenges_conversation", table_name="unlock_challenges")
    op.drop_table("unlock_challenges")
