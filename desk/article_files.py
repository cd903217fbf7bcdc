"""Article files and the database: the first seed, import (new versions for changed files) and export.

``make kb-import`` / ``make kb-export`` round-trip losslessly: exported files import again as "unchanged".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from desk.articles import Exists, all_records, create, describe_change, get, insert_new, write_version
from desk.db import articles as articles_table
from desk.db import bump, now
from knowledge.articles import Article, serialize_article

IMPORT_ACTOR = "Import"


@dataclass(frozen=True)
class ImportStats:
    """What an import changed."""

    created: int
    updated: int
    unchanged: int


def seed_articles(engine: Engine, articles: Iterable[Article], actor: str = IMPORT_ACTOR) -> int:
    """Fill an empty article table in one transaction; returns how many were created (0: not empty).

    One transaction, so a process starting meanwhile sees all seed articles or none; of two processes
    seeding at once the second waits for the first and then finds the table filled.
    """
    try:
        with engine.begin() as conn:
            rev = bump(conn, "knowledge")  # takes the write lock first
            if conn.execute(select(articles_table.c.slug).limit(1)).first() is not None:
                return 0
            at = now()
            n = 0
            for article in articles:
                insert_new(conn, article, rev, at, actor, "import")
                n += 1
            return n
    except IntegrityError:
        return 0


def import_articles(engine: Engine, articles: Iterable[Article], actor: str = IMPORT_ACTOR) -> ImportStats:
    """Bring the database in line with article files: new ones created, changed ones get a new version."""
    created = updated = unchanged = 0
    for article in articles:
        current = get(engine, article.slug)
        if current is None:
            try:
                create(engine, article, actor, action="import")
                created += 1
            except Exists:  # another process seeded it a moment ago
                unchanged += 1
            continue
        if current.article == article:
            unchanged += 1
            continue
        write_version(
            engine,
            article.slug,
            current.version,
            actor,
            lambda _cur, a=article: a,
            lambda o, n: f"Import: {describe_change(o, n)}",
            "import",
        )
        updated += 1
    return ImportStats(created, updated, unchanged)


def export_articles(engine: Engine, directory: Path) -> int:
    """Write every article (any status) as ``<slug>.md``; files are rewritten only when they differ."""
    directory.mkdir(parents=True, exist_ok=True)
    records = all_records(engine)
    for record in records:
        path = directory / f"{record.slug}.md"
        text = serialize_article(record.article)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            tmp = path.with_suffix(".md.tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(path)
    return len(records)
