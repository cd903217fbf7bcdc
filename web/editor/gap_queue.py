"""The editor's gap queue: filters (words, reason, week), clusters, bulk dismiss and "als Frage hinzufügen"."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import tzinfo
from typing import Any

import texts
from desk import articles as store
from desk import gaps
from desk.articles import ArticleRecord
from desk.runtime import Desk
from knowledge.articles import Article, ArticleError, article_fields, build_article
from knowledge.search import KnowledgeBase
from knowledge.text_policy import LIMITS
from web.editor.service import Invalid

WEEK_RE = re.compile(r"20[0-9]{2}-W(0[1-9]|[1-4][0-9]|5[0-3])")
MAX_FILTER = 200
MAX_GAP_IDS = 5000


@dataclass(frozen=True)
class GapFilter:
    """What the editor narrowed the queue to; empty strings mean "all"."""

    q: str = ""
    reason: str = ""
    week: str = ""


def gap_filter(args: Any) -> GapFilter:
    """``?q=&reason=&week=`` checked; :class:`Invalid` names a bad one."""
    q, reason, week = (str(args.get(k, "") or "") for k in ("q", "reason", "week"))
    problems = {}
    if len(q) > MAX_FILTER:
        problems["q"] = texts.text("error.editor.gap_q", limit=MAX_FILTER)
    if reason and reason not in gaps.REASONS:
        problems["reason"] = texts.text("error.editor.gap_reason", allowed=", ".join(gaps.REASONS))
    if week and not WEEK_RE.fullmatch(week):
        problems["week"] = texts.text("error.editor.gap_week")
    if problems:
        raise Invalid(*texts.both("error.editor.fields"), problems)
    return GapFilter(q.strip(), reason, week)


def gap_ids(body: dict[str, Any]) -> list[int]:
    """The ``gap_ids`` of a request: 1 to ``MAX_GAP_IDS`` whole numbers; :class:`Invalid` otherwise."""
    ids = body.get("gap_ids")
    if (
        not isinstance(ids, list)
        or not ids
        or len(ids) > MAX_GAP_IDS
        or not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in ids)
    ):
        raise Invalid(*texts.both("error.editor.gap_ids"), {"gap_ids": texts.text("error.editor.gap_ids")})
    return ids


def _titles(desk: Desk) -> dict[str, str]:
    records, damaged = store.read_all(desk.engine)
    return {**{d.slug: d.title or d.slug for d in damaged}, **{r.slug: r.article.title for r in records}}


def gap_report(desk: Desk, kb: KnowledgeBase, tz: tzinfo, chosen: GapFilter | None = None) -> dict[str, Any]:
    """Open gap questions matching the filter, clustered by meaning; questions without a vector are embedded now.

    ``facets`` counts every open question (not just the shown ones) per week and reason, for the filter lists.
    Each cluster names the articles rated "nicht geholfen" with their titles.
    """
    chosen = chosen or GapFilter()
    found = gaps.open_gaps(desk.engine)
    missing = [g for g in found if g.vector is None]
    if missing:
        vectors = kb.embedder.embed_queries([g.question for g in missing])
        gaps.store_vectors(desk.engine, {g.id: v for g, v in zip(missing, vectors, strict=True)})
        found = gaps.open_gaps(desk.engine)
    shown = gaps.matching(found, tz, q=chosen.q, reason=chosen.reason, week=chosen.week)
    clusters = gaps.clusters(shown, tz)
    titles = _titles(desk) if any(c["articles"] for c in clusters) else {}
    for c in clusters:
        c["articles"] = [{**a, "title": titles.get(a["slug"], a["slug"])} for a in c["articles"]]
    all_facets = gaps.facets(found, tz)
    return {
        "clusters": clusters,
        "total": len(shown),
        "open": len(found),
        "dismissed": gaps.dismissed_count(desk.engine),
        "added": gaps.added_count(desk.engine),
        "facets": {"weeks": all_facets["weeks"], "reasons": all_facets["reasons"]},
        "filter": {"q": chosen.q, "reason": chosen.reason, "week": chosen.week},
    }


def closed_json(closed: gaps.Closed) -> dict[str, Any]:
    """What a bulk close did, id by id: closed now, closed before, unknown."""
    return {"closed_ids": closed.closed, "already_closed": closed.already, "unknown": closed.unknown}


@dataclass(frozen=True)
class QuestionRequest:
    """``{"gap_ids": [...], "slug": ..., "question": ...}`` checked."""

    gap_ids: list[int]
    slug: str
    question: str | None


def question_request(body: dict[str, Any]) -> QuestionRequest:
    """The add-as-question request; :class:`Invalid` names each bad field."""
    problems: dict[str, str] = {}
    try:
        ids = gap_ids(body)
    except Invalid as exc:
        ids, problems = [], dict(exc.fields)
    slug, question = body.get("slug"), body.get("question")
    if not isinstance(slug, str) or not slug or len(slug) > LIMITS["slug"]:
        problems["slug"] = texts.text("error.editor.gap_slug")
    if question is not None and (
        not isinstance(question, str) or not question.strip() or len(question) > LIMITS["questions_item"]
    ):
        problems["question"] = texts.text("error.editor.gap_question", limit=LIMITS["questions_item"])
    if problems:
        raise Invalid(*texts.both("error.editor.fields"), problems)
    assert isinstance(slug, str)
    return QuestionRequest(ids, slug, question.strip() if isinstance(question, str) else None)


class NoGap(LookupError):
    """None of the ids names a stored question."""


class Retired(ValueError):
    """The article is retired: a question added there would never reach the chat."""


def with_question(desk: Desk, req: QuestionRequest) -> tuple[ArticleRecord, Article | None, str]:
    """The article as stored, its next content with the question added (None: it has it already), the question.

    The question is the request's, else the (redacted) question of the first gap id.
    Raises :class:`NoGap`, ``store.NotFound``, :class:`Retired` or :class:`Invalid`.
    """
    stored = gaps.questions_of(desk.engine, req.gap_ids)
    if not stored:
        raise NoGap(req.slug)
    question = req.question or stored[min(stored)]
    record = store.get(desk.engine, req.slug)
    if record is None:
        raise store.NotFound(req.slug)
    if record.status == "retired":
        raise Retired(req.slug)
    article = record.article
    if question.casefold() in {q.casefold() for q in article.questions}:
        return record, None, question
    fields = article_fields(article)
    fields["questions"] = [*article.questions, question]
    body = fields.pop("body")
    try:
        added = build_article(fields, body)
    except ArticleError as exc:
        de = exc.fields.get("questions") or texts.text("error.editor.fields")
        raise Invalid(texts.text("error.editor.fields"), str(exc), {"question": de}) from exc
    return record, replace(added, status=article.status), question
