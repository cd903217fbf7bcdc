"""Screenshots attached in the chat (issue 18): the re-encoded image and its redacted OCR text.

Revision ID: j18_attachments
Revises: h18_editor
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "j18_attachments"
down_revision = "h18_editor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``attachments``."""
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("media_type", sa.String(length=16), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("ocr_text", sa.Text(), nullable=False),
        sa.Column("ocr_status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_attachments_conversation", "attachments", ["conversation_id", "id"], unique=False)


def downgrade() -> None:
    """Drop the table."""
    op.drop_index("ix_attachments_conversation", table_name="attachments")
    op.drop_table("attachments")
