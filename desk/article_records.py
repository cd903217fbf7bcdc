"""Reading stored article rows: a row that cannot be read is reported as damaged, never raised at the reader.

A bad record never stops the whole: the searching processes, the editor list and the export skip it and
say so (log, ``/health`` detail, "beschädigt" in the editor), and the rest goes on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from desk.db import utc
from knowledge.articles import Article, parse_article

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ArticleRecord:
    """An article as stored: content (with its status) plus bookkeeping."""

    article: Article
    version: int
    created_at: datetime
    updated_at: datetime
    updated_by: str
    revision: int

    @property
    def slug(self) -> str:
        """The article's slug."""
        return self.article.slug

    @property
    def status(self) -> str:
        """One of draft, published, retired."""
        return self.article.status


@dataclass(frozen=True)
class Damaged:
    """A stored article whose text cannot be read (written by an older version, or by hand into the database).

    What the table's own columns say is still known; ``error`` says why the text cannot be read.
    """

    slug: str
    status: str
    version: int
    title: str
    owner: str
    source: str
    updated_at: datetime
    updated_by: str
    revision: int
    error: str


class Unreadable(RuntimeError):
    """The article exists but its stored text cannot be read; ``damaged`` says what is known."""

    def __init__(self, damaged: Damaged) -> None:
        """Carry what the columns say."""
        super().__init__(f"article {damaged.slug} cannot be read: {damaged.error}")
        self.damaged = damaged


def read_row(row: Any) -> ArticleRecord | Damaged:
    """One ``articles`` row as a record, or as :class:`Damaged` when its text cannot be read."""
    try:
        article = replace(parse_article(row.source, row.slug), status=row.status)
        return ArticleRecord(
            article, row.version, utc(row.created_at), utc(row.updated_at), row.updated_by, row.revision
        )
    except Exception as exc:  # noqa: BLE001 - whatever is wrong with one row, the others stay readable
        error = f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"  # one line in the log
        return Damaged(
            slug=str(row.slug),
            status=str(row.status),
            version=int(row.version),
            title=str(row.title or ""),
            owner=str(row.owner or ""),
            source=str(row.source or ""),
            updated_at=utc(row.updated_at),
            updated_by=str(row.updated_by or ""),
            revision=int(row.revision),
            error=error,
        )


def split(rows: list[Any]) -> tuple[list[ArticleRecord], list[Damaged]]:
    """Readable records and damaged ones; each damaged one is logged (slug and reason, never its text)."""
    good: list[ArticleRecord] = []
    bad: list[Damaged] = []
    for row in rows:
        found = read_row(row)
        if isinstance(found, Damaged):
            logger.warning("article %r skipped, its stored text cannot be read: %s", found.slug, found.error)
            bad.append(found)
        else:
            good.append(found)
    return good, bad
