"""Knowledge articles in the database: versions, lifecycle, optimistic locking, audit (files: desk.article_files).

Every save is a new version; a save names the version it edited, and a conditional UPDATE makes the second of
two concurrent saves fail with :class:`Conflict` instead of overwriting. Changes that matter to search bump
the "knowledge" counter, which every searching process polls (:mod:`desk.live_knowledge`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from desk.article_records import ArticleRecord, Damaged, Unreadable, read_row, split
from desk.db import article_audit, article_versions, bump, counter, now, utc
from desk.db import articles as articles_table
from knowledge.articles import (
    FIELD_LABELS,
    Article,
    article_fields,
    check_round_trip,
    parse_article,
    serialize_article,
)

REPAIRED = "Beschädigte Fassung ersetzt"


class NotFound(LookupError):
    """No article with this slug (or no such version)."""


class Exists(ValueError):
    """An article with this slug exists already."""


class Conflict(RuntimeError):
    """Someone saved the article since the editor loaded it; ``current`` is what is stored now."""

    def __init__(self, current: ArticleRecord) -> None:
        """Carry the stored record so the editor can show it."""
        super().__init__(f"article {current.article.slug} is at version {current.version}")
        self.current = current


@dataclass(frozen=True)
class Version:
    """One saved version."""

    slug: str
    version: int
    source: str
    status: str
    author: str
    change: str
    created_at: datetime

    @property
    def article(self) -> Article:
        """The content of this version."""
        return replace(parse_article(self.source, f"{self.slug} v{self.version}"), status=self.status)


@dataclass(frozen=True)
class AuditEvent:
    """A publish, retire, restore, create or import."""

    slug: str
    action: str
    version: int
    actor: str
    at: datetime


def _source(article: Article) -> str:
    """Stored text: the file format without the status line (status lives in its own column)."""
    return serialize_article(replace(article, status="published"))


def _record(row: Any) -> ArticleRecord:
    """A row that must be readable (:class:`Unreadable` otherwise)."""
    found = read_row(row)
    if isinstance(found, Damaged):
        raise Unreadable(found)
    return found


def describe_change(old: Article | None, new: Article) -> str:
    """German summary of what changed, e.g. "Titel, Text geändert"."""
    if old is None:
        return "Angelegt"
    before, after = article_fields(old), article_fields(new)
    changed = [FIELD_LABELS[k] for k in after if before.get(k) != after[k]]
    return f"{', '.join(changed)} geändert" if changed else "Ohne inhaltliche Änderung gespeichert"


def diff(old_source: str, new_source: str, old_label: str, new_label: str) -> str:
    """A readable unified diff between two versions' texts."""
    lines = difflib.unified_diff(
        old_source.splitlines(), new_source.splitlines(), old_label, new_label, n=2, lineterm=""
    )
    return "\n".join(lines)


def get(engine: Engine, slug: str) -> ArticleRecord | None:
    """The article, or None; :class:`Unreadable` when its stored text cannot be read."""
    with engine.connect() as conn:
        row = conn.execute(select(articles_table).where(articles_table.c.slug == slug)).first()
    return _record(row) if row is not None else None


def read_all(engine: Engine) -> tuple[list[ArticleRecord], list[Damaged]]:
    """Every article (all statuses) by slug, and the damaged ones apart."""
    with engine.connect() as conn:
        rows = conn.execute(select(articles_table).order_by(articles_table.c.slug)).all()
    return split(list(rows))


def exists(engine: Engine, slug: str) -> bool:
    """Whether an article (readable or not) has this slug."""
    with engine.connect() as conn:
        return conn.execute(select(articles_table.c.slug).where(articles_table.c.slug == slug)).first() is not None


def all_records(engine: Engine) -> list[ArticleRecord]:
    """Every readable article (all statuses), by slug; damaged ones are skipped and logged."""
    return read_all(engine)[0]


def count(engine: Engine) -> int:
    """Number of stored articles."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(articles_table)).scalar_one())


def revision(engine: Engine) -> int:
    """The knowledge counter: grows with every change that matters to search."""
    with engine.connect() as conn:
        return counter(conn, "knowledge")


def changed_since(engine: Engine, seen: int) -> tuple[int, list[ArticleRecord], list[Damaged]]:
    """``(revision, records, damaged)``: everything changed after revision ``seen``; unreadable rows apart.

    The counter is read first: every change up to it has committed, so it is among the rows read next.
    """
    with engine.connect() as conn:
        current = counter(conn, "knowledge")
        if current <= seen:
            return current, [], []
        rows = conn.execute(select(articles_table).where(articles_table.c.revision > seen)).all()
    records, damaged = split(list(rows))
    return max([current, *(r.revision for r in records), *(d.revision for d in damaged)]), records, damaged


def _insert_version(conn: Any, article: Article, version: int, author: str, change: str) -> None:
    conn.execute(
        insert(article_versions).values(
            slug=article.slug,
            version=version,
            source=_source(article),
            status=article.status,
            author=author,
            change=change[:300],
            created_at=now(),
        )
    )


def _audit(conn: Any, slug: str, action: str, version: int, actor: str) -> None:
    conn.execute(insert(article_audit).values(slug=slug, action=action, version=version, actor=actor, at=now()))


def _columns(article: Article) -> dict[str, Any]:
    check_round_trip(article)  # never commit a row that cannot be read back
    return {
        "status": article.status,
        "source": _source(article),
        "title": article.title[:300],
        "owner": article.owner[:200],
        "review_due": article.review_due,
    }


def insert_new(conn: Any, article: Article, rev: int, at: datetime, actor: str, action: str) -> None:
    """Version 1 of a new article: the row, the version and the audit entry (``create`` or ``import``)."""
    conn.execute(
        insert(articles_table).values(
            slug=article.slug,
            version=1,
            revision=rev,
            created_at=at,
            updated_at=at,
            updated_by=actor,
            **_columns(article),
        )
    )
    _insert_version(conn, article, 1, actor, "Angelegt" if action == "create" else "Importiert")
    _audit(conn, article.slug, action, 1, actor)


def create(engine: Engine, article: Article, actor: str, action: str = "create") -> ArticleRecord:
    """Store a new article (version 1); :class:`Exists` when the slug is taken."""
    try:
        with engine.begin() as conn:
            insert_new(conn, article, bump(conn, "knowledge"), now(), actor, action)
    except IntegrityError as exc:
        raise Exists(article.slug) from exc
    record = get(engine, article.slug)
    assert record is not None
    return record


def write_version(
    engine: Engine,
    slug: str,
    expected_version: int,
    actor: str,
    make: Any,
    change: Any,
    audit_action: str | None,
) -> ArticleRecord:
    """Read, build the new content with ``make(current)``, and save it if nobody saved in between."""
    with engine.begin() as conn:
        # The counter first: its row lock makes article writers take turns (SQLite: the write lock), so the
        # read below sees the latest committed version.
        rev = bump(conn, "knowledge")
        row = conn.execute(select(articles_table).where(articles_table.c.slug == slug)).first()
        if row is None:
            raise NotFound(slug)
        current = read_row(row)  # a damaged article can be replaced by a save or a restore
        if current.version != expected_version:
            raise Unreadable(current) if isinstance(current, Damaged) else Conflict(current)
        new_article: Article = make(current)
        version = current.version + 1
        result = conn.execute(
            update(articles_table)
            .where(articles_table.c.slug == slug, articles_table.c.version == expected_version)
            .values(version=version, revision=rev, updated_at=now(), updated_by=actor, **_columns(new_article))
        )
        if result.rowcount != 1:  # pragma: no cover - writers take turns (see above)
            raise Unreadable(current) if isinstance(current, Damaged) else Conflict(current)
        old = current.article if isinstance(current, ArticleRecord) else None
        _insert_version(conn, new_article, version, actor, change(old, new_article))
        if audit_action:
            _audit(conn, slug, audit_action, version, actor)
    record = get(engine, slug)
    assert record is not None
    return record


def save(engine: Engine, article: Article, expected_version: int, actor: str) -> ArticleRecord:
    """A new version with ``article``'s content; the status stays as it is (a published edit is live at once)."""
    return write_version(
        engine,
        article.slug,
        expected_version,
        actor,
        lambda cur: replace(article, status=cur.status),
        lambda old, new: describe_change(old, new) if old is not None else REPAIRED,
        None,
    )


def set_status(
    engine: Engine, slug: str, status: str, actor: str, expected_version: int | None = None
) -> ArticleRecord:
    """Publish or retire: a new version with the new status, and an audit entry."""
    current = get(engine, slug)
    if current is None:
        raise NotFound(slug)
    if current.status == status:
        return current
    action = {"published": "publish", "retired": "retire"}.get(status, status)
    label = {"published": "Veröffentlicht", "retired": "Zurückgezogen", "draft": "Zum Entwurf gemacht"}[status]
    return write_version(
        engine,
        slug,
        current.version if expected_version is None else expected_version,
        actor,
        lambda cur: replace(cur.article, status=status),
        lambda _old, _new: label,
        action,
    )


def retire_damaged(engine: Engine, slug: str, actor: str) -> Damaged:
    """Retire an article whose stored text cannot be read: status only, its text is kept as it is."""
    with engine.begin() as conn:
        rev = bump(conn, "knowledge")
        row = conn.execute(select(articles_table).where(articles_table.c.slug == slug)).first()
        if row is None:
            raise NotFound(slug)
        version = int(row.version) + 1
        conn.execute(
            update(articles_table)
            .where(articles_table.c.slug == slug)
            .values(status="retired", version=version, revision=rev, updated_at=now(), updated_by=actor)
        )
        conn.execute(
            insert(article_versions).values(
                slug=slug,
                version=version,
                source=row.source,
                status="retired",
                author=actor,
                change="Zurückgezogen (beschädigt)",
                created_at=now(),
            )
        )
        _audit(conn, slug, "retire", version, actor)
        found = read_row(conn.execute(select(articles_table).where(articles_table.c.slug == slug)).one())
    if isinstance(found, ArticleRecord):  # pragma: no cover - the text was not touched
        raise RuntimeError("a damaged article became readable by retiring it")
    return found


def restore(engine: Engine, slug: str, version: int, expected_version: int, actor: str) -> ArticleRecord:
    """A new version whose content is that of ``version`` (the status stays as it is)."""
    old = get_version(engine, slug, version).article
    return write_version(
        engine,
        slug,
        expected_version,
        actor,
        lambda cur: replace(old, status=cur.status),
        lambda _o, _n: f"Version {version} wiederhergestellt",
        "restore",
    )


def versions(engine: Engine, slug: str) -> list[Version]:
    """All versions, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(article_versions).where(article_versions.c.slug == slug).order_by(article_versions.c.version.desc())
        ).all()
    return [Version(r.slug, r.version, r.source, r.status, r.author, r.change, utc(r.created_at)) for r in rows]


def get_version(engine: Engine, slug: str, version: int) -> Version:
    """One version; :class:`NotFound` when there is none."""
    with engine.connect() as conn:
        r = conn.execute(
            select(article_versions).where(article_versions.c.slug == slug, article_versions.c.version == version)
        ).first()
    if r is None:
        raise NotFound(f"{slug} v{version}")
    return Version(r.slug, r.version, r.source, r.status, r.author, r.change, utc(r.created_at))


def audit(engine: Engine, slug: str) -> list[AuditEvent]:
    """The article's publish/retire/restore/create/import events, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(article_audit).where(article_audit.c.slug == slug).order_by(article_audit.c.id.desc())
        ).all()
    return [AuditEvent(r.slug, r.action, r.version, r.actor, utc(r.at)) for r in rows]
