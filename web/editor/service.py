"""The editor's logic between the routes and the stores: validation, JSON shapes, draft test, gap queue."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any

import texts
from desk import articles as store
from desk import knowledge_stats
from desk.article_records import Damaged
from desk.articles import ArticleRecord, Version
from desk.knowledge_stats import ArticleStats
from desk.runtime import Desk
from knowledge import fulltext
from knowledge.articles import SLUG_RE, Article, ArticleError, article_fields, build_article
from knowledge.search import KnowledgeBase
from settings import Servers
from web.editor.schemas import ArticleJSON, ArticleSummaryJSON, MatchJSON, StatsJSON, TestHitJSON, VersionJSON

EDITABLE = ("title", "language", "tags", "owner", "reviewed", "review_by", "audience", "questions", "notes", "body")
MAX_BODY = 100_000


class Invalid(ValueError):
    """Bad input: a German and English message and, per field, what is wrong."""

    def __init__(self, de: str, en: str, fields: dict[str, str] | None = None) -> None:
        """``fields`` maps field name -> German message."""
        super().__init__(en)
        self.de, self.en, self.fields = de, en, dict(fields or {})


def today(tz: tzinfo) -> date:
    """The desk's date (review dates are days in the desk's time zone)."""
    return datetime.now(tz).date()


def article_from_body(body: dict[str, Any], slug: str | None = None) -> Article:
    """An article from the editor's form fields; :class:`Invalid` names every bad field at once."""
    meta = {k: body.get(k) for k in EDITABLE if k != "body"}
    meta["slug"] = slug if slug is not None else body.get("slug")
    text = body.get("body")
    problems: dict[str, str] = {}
    for name in ("title", "owner", "audience", "language", "reviewed", "review_by", "notes", "slug"):
        if meta.get(name) is not None and not isinstance(meta.get(name), str):
            problems[name] = texts.text("article.error.as_text")
    if text is not None and not isinstance(text, str):
        problems["body"] = texts.text("article.error.as_text")
    elif isinstance(text, str) and len(text) > MAX_BODY:
        problems["body"] = texts.text("article.error.body_too_long", limit=MAX_BODY)
    if problems:
        raise Invalid(*texts.both("error.editor.fields"), problems)
    try:
        return build_article(meta, text or "")
    except ArticleError as exc:
        raise Invalid(texts.text("error.editor.fields"), str(exc), exc.fields) from exc


def draft_for_test(body: dict[str, Any], day: date) -> Article:
    """A half-written draft is testable: only title and body matter for search, the rest gets placeholders."""
    fields = dict(body)
    slug = fields.get("slug")
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        fields["slug"] = "entwurf-ohne-kurzname"
    defaults = {"language": "de", "owner": "-", "audience": "-", "reviewed": day.isoformat(), "tags": ["entwurf"]}
    for key, value in defaults.items():
        if fields.get(key) in (None, "", []):
            fields[key] = value
    fields["review_by"] = ""
    return article_from_body(fields, str(fields["slug"]))


def expected_version(body: dict[str, Any], key: str = "version") -> int:
    """The version the editor started from (required on every change of an existing article)."""
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise Invalid(*texts.both("error.editor.version_missing"), {key: texts.text("article.error.required")})
    return value


def summary_json(record: ArticleRecord, stats: ArticleStats, servers: Servers, day: date) -> ArticleSummaryJSON:
    """An article in the list, with its figures and flags."""
    a = record.article
    return {
        "slug": a.slug,
        "title": a.title,
        "language": a.language,
        "tags": list(a.tags),
        "owner": a.owner,
        "reviewed": a.reviewed.isoformat(),
        "review_by": a.review_due.isoformat(),
        "audience": a.audience,
        "status": a.status,
        "version": record.version,
        "updated_at": record.updated_at.isoformat(),
        "updated_by": record.updated_by,
        "url": servers.article_url(a.slug),
        "stats": _stats_json(stats),
        "flags": knowledge_stats.flags(stats, a.review_due, day),
    }


def _stats_json(stats: ArticleStats) -> StatsJSON:
    return {
        "shown": stats.shown,
        "helpful": stats.helpful,
        "not_helpful": stats.not_helpful,
        "helpful_ratio": None if stats.helpful_ratio is None else round(stats.helpful_ratio, 3),
        "escalations": stats.escalations,
    }


def article_json(desk: Desk, servers: Servers, record: ArticleRecord) -> ArticleJSON:
    """One article with everything the editor edits."""
    stats = knowledge_stats.all_stats(desk.engine).get(record.slug, ArticleStats())
    out: dict[str, Any] = dict(summary_json(record, stats, servers, today(desk.hours.tz)))
    fields = article_fields(record.article)
    out.update(
        questions=fields["questions"], notes=fields["notes"], body=fields["body"], review_by_set=fields["review_by"]
    )
    return out  # type: ignore[return-value]


def damaged_json(d: Damaged, stats: ArticleStats, servers: Servers) -> ArticleSummaryJSON:
    """A damaged article in the list: what its columns say, flagged "damaged" (shown as "beschädigt")."""
    return {
        "slug": d.slug,
        "title": d.title or d.slug,
        "language": "",
        "tags": [],
        "owner": d.owner,
        "reviewed": None,
        "review_by": None,
        "audience": "",
        "status": d.status,
        "version": d.version,
        "updated_at": d.updated_at.isoformat(),
        "updated_by": d.updated_by,
        "url": servers.article_url(d.slug),
        "stats": _stats_json(stats),
        "flags": ["damaged"],
    }


def list_json(desk: Desk, servers: Servers, q: str, status: str, owner: str, overdue: bool) -> dict[str, Any]:
    """Filtered list by title; with ``q`` a full-text search (title, tags, questions, body), best match first.

    Each match carries where it matched and one line with the words marked. Damaged articles are listed as
    such; ``q`` finds them by title and slug only (their text cannot be read).
    """
    day = today(desk.hours.tz)
    all_stats = knowledge_stats.all_stats(desk.engine)
    needle = q.strip().lower()
    records, damaged = store.read_all(desk.engine)
    out = []
    for d in damaged:
        if (status and d.status != status) or (owner and d.owner != owner) or overdue:
            continue
        if needle and needle not in f"{d.title} {d.slug}".lower():
            continue
        out.append(damaged_json(d, all_stats.get(d.slug, ArticleStats()), servers))
    kept = [
        r
        for r in records
        if (not status or r.status == status)
        and (not owner or r.article.owner == owner)
        and (not overdue or r.article.review_due < day)
    ]
    matches = {m.slug: m for m in fulltext.search([r.article for r in kept], q)} if needle else {}
    for r in kept:
        if needle and r.slug not in matches:
            continue
        summary = summary_json(r, all_stats.get(r.slug, ArticleStats()), servers, day)
        if r.slug in matches:
            summary["match"] = _match_json(matches[r.slug])
        out.append(summary)
    out.sort(key=lambda s: (-s["match"]["score"] if "match" in s else 0.0, s["title"].lower()))
    return {"articles": out, "owners": sorted({r.article.owner for r in records})}


def _match_json(m: fulltext.Match) -> MatchJSON:
    return {"score": m.score, "fields": list(m.fields), "snippet": m.snippet, "marks": [list(s) for s in m.marks]}


def versions_json(versions: list[Version]) -> list[VersionJSON]:
    """Newest first, each with a diff against the one before it."""
    out: list[VersionJSON] = []
    for i, v in enumerate(versions):
        before = versions[i + 1] if i + 1 < len(versions) else None
        text = (
            store.diff(before.source, v.source, f"Version {before.version}", f"Version {v.version}")
            if before is not None
            else ""
        )
        if before is not None and before.status != v.status:
            text = f"Status: {before.status} → {v.status}\n{text}".rstrip("\n")
        out.append(
            {
                "version": v.version,
                "author": v.author,
                "created_at": v.created_at.isoformat(),
                "change": v.change,
                "status": v.status,
                "diff": text,
            }
        )
    return out


def test_search(kb: KnowledgeBase, query: str, draft: Article | None, k: int = 5) -> dict[str, Any]:
    """The chat's decision for ``query``, with the unsaved draft taking its article's place."""
    result = kb.search_with_draft(query, draft, k) if draft is not None else kb.search(query, k)
    hits: list[TestHitJSON] = [
        {
            "slug": h.slug,
            "title": h.title,
            "score": round(h.score, 4),
            "dense": round(h.dense, 4),
            "lexical": round(h.lexical, 3),
            "draft": draft is not None and h.slug == draft.slug,
        }
        for h in result.hits
    ]
    return {"query": result.query, "outcome": result.outcome, "hits": hits}
