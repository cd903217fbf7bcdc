"""The editor's gap queue (issue 18): which article a 👎 gap was about, and which article took the question.

``article`` names the article rated "nicht geholfen" when the gap came from a 👎; ``added_to`` names the article
whose example questions took the gap's question ("als Frage zu Artikel … hinzufügen"), which also closes it.

Revision ID: h18_editor
Revises: e14_weekly_report
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "h18_editor"
down_revision = "e14_weekly_report"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``knowledge_gaps.article`` and ``knowledge_gaps.added_to`` (both nullable).

    A database from before migrations has them already: adopting it adds every missing nullable column
    (``desk.db.add_missing_columns``) before the migrations run.
    """
    offline = op.get_context().as_sql  # ``migrate --sql`` renders for an empty database
    have: set[str] = set() if offline else {c["name"] for c in sa.inspect(op.get_bind()).get_columns("knowledge_gaps")}
    with op.batch_alter_table("knowledge_gaps") as batch:
        for name in ("article", "added_to"):
            if name not in have:
                batch.add_column(sa.Column(name, sa.String(length=80), nullable=True))


def downgrade() -> None:
    """Drop both columns."""
    with op.batch_alter_table("knowledge_gaps") as batch:
        batch.drop_column("added_to")
        batch.drop_column("article")
