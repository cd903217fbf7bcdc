"""``/editor/`` and the article API (role ``editor``).

List with full-text search, create, edit (with version check), publish, retire, history, restore, audit,
Markdown preview, the draft test and the gap queue (filter, bulk dismiss, add a question to an article).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, html, json

from desk import articles as store
from desk import gaps, knowledge_stats
from desk.article_records import Damaged, Unreadable
from desk.articles import ArticleRecord
from desk.knowledge_stats import ArticleStats
from desk.live_knowledge import prepare_vectors
from knowledge.articles import Article, ArticleError, article_fields
from knowledge.source import KnowledgeUnavailable
from texts import text
from web.auth.service import requires
from web.context import ctx
from web.editor import gap_queue, service
from web.editor.service import Invalid
from web.http import error, error_texts
from web.input_policy import body as body_of
from web.knowledge.service import render_markdown
from web.pages import staff_page

bp = Blueprint("editor")
STATUSES = ("", "draft", "published", "retired")


@bp.get("/editor/")
async def editor_page(_request: Request) -> HTTPResponse:
    """The single editor page; it logs in and talks to the API below."""
    return html(staff_page("editor"))


def _invalid(exc: Invalid) -> HTTPResponse:
    return error_texts(400, "editor.fields", exc.de, exc.en, fields=exc.fields)


def _damaged(d: Damaged) -> HTTPResponse:
    return error(
        409,
        "editor.damaged",
        {"slug": d.slug},
        damaged={"slug": d.slug, "title": d.title, "status": d.status, "version": d.version, "error": d.error},
    )


def _cannot_store(exc: ArticleError) -> HTTPResponse:
    return error_texts(400, "editor.fields", text("error.editor.fields"), str(exc), fields=exc.fields)


def _not_found(slug: str) -> HTTPResponse:
    return error(404, "editor.not_found", {"slug": slug})


def _actor(request: Request) -> str:
    return str(request.ctx.staff.account.display_name)


async def _prepare(request: Request, article: Article | None) -> None:
    """Embed the content once here, so every searching process applies the change without embedding it."""
    if article is None:
        return
    try:
        kb = await _kb(request)
        await asyncio.to_thread(prepare_vectors, kb, ctx(request).desk, article)
    except KnowledgeUnavailable:
        pass  # the followers embed it themselves


async def _article(request: Request, record: ArticleRecord, status: int = 200) -> HTTPResponse:
    desk = ctx(request).desk.get()
    return json(
        await asyncio.to_thread(service.article_json, desk, ctx(request).settings.servers, record), status=status
    )


async def _conflict(request: Request, exc: store.Conflict) -> HTTPResponse:
    cur = exc.current
    when = cur.updated_at.astimezone(ctx(request).settings.handoff.hours.tz).strftime("%d.%m.%Y %H:%M")
    desk = ctx(request).desk.get()
    return error(
        409,
        "editor.conflict",
        {"who": cur.updated_by, "when": when, "version": cur.version},
        current=await asyncio.to_thread(service.article_json, desk, ctx(request).settings.servers, cur),
    )


@bp.get("/api/articles")
@requires("editor")
async def list_articles(request: Request) -> HTTPResponse:
    """``?q=&status=&owner=&overdue=1``."""
    status = request.args.get("status", "")
    if status not in STATUSES:
        return error(400, "editor.status", field="status")
    desk = ctx(request).desk.get()
    body = await asyncio.to_thread(
        service.list_json,
        desk,
        ctx(request).settings.servers,
        request.args.get("q", "")[:200],
        status,
        request.args.get("owner", "")[:200],
        request.args.get("overdue", "") in ("1", "true"),
    )
    return json(body)


@bp.post("/api/articles")
@requires("editor")
async def create_article(request: Request) -> HTTPResponse:
    """A new draft (version 1)."""
    body = body_of(request)
    try:
        article = service.article_from_body(body)
    except Invalid as exc:
        return _invalid(exc)
    desk = ctx(request).desk.get()
    if await asyncio.to_thread(store.exists, desk.engine, article.slug):  # before the costly embedding
        return _slug_taken(article.slug)
    await _prepare(request, article)
    try:
        draft = replace(article, status="draft")
        record = await asyncio.to_thread(store.create, desk.engine, draft, _actor(request))
    except store.Exists:
        return _slug_taken(article.slug)
    except ArticleError as exc:
        return _cannot_store(exc)
    return await _article(request, record, 201)


def _slug_taken(slug: str) -> HTTPResponse:
    return error(409, "editor.slug_taken", {"slug": slug}, fields={"slug": text("article.error.slug_taken_field")})


@bp.get("/api/articles/<slug:str>")
@requires("editor")
async def get_article(request: Request, slug: str) -> HTTPResponse:
    """One article (any status)."""
    try:
        record = await asyncio.to_thread(store.get, ctx(request).desk.get().engine, slug)
    except Unreadable as exc:
        return _damaged(exc.damaged)
    return _not_found(slug) if record is None else await _article(request, record)


@bp.put("/api/articles/<slug:str>")
@requires("editor")
async def save_article(request: Request, slug: str) -> HTTPResponse:
    """A new version; 409 when someone saved since ``version``. A published article's edit is live at once."""
    body = body_of(request)
    try:
        version = service.expected_version(body)
        article = service.article_from_body(body, slug)
    except Invalid as exc:
        return _invalid(exc)
    engine = ctx(request).desk.get().engine
    await _prepare(request, article)
    try:
        record = await asyncio.to_thread(store.save, engine, article, version, _actor(request))
    except store.NotFound:
        return _not_found(slug)
    except store.Conflict as exc:
        return await _conflict(request, exc)
    except Unreadable as exc:
        return _damaged(exc.damaged)
    except ArticleError as exc:
        return _cannot_store(exc)
    return await _article(request, record)


async def _set_status(request: Request, slug: str, status: str) -> HTTPResponse:
    body = body_of(request)
    try:
        expected = service.expected_version(body) if body.get("version") is not None else None
    except Invalid as exc:
        return _invalid(exc)
    desk = ctx(request).desk.get()
    try:
        if status == "published":
            current = await asyncio.to_thread(store.get, desk.engine, slug)
            await _prepare(request, current.article if current is not None else None)
        record = await asyncio.to_thread(store.set_status, desk.engine, slug, status, _actor(request), expected)
    except store.NotFound:
        return _not_found(slug)
    except store.Conflict as exc:
        return await _conflict(request, exc)
    except Unreadable as exc:
        if status != "retired":
            return _damaged(exc.damaged)
        # A damaged article can always be taken out of the chat.
        gone = await asyncio.to_thread(store.retire_damaged, desk.engine, slug, _actor(request))
        stats = await asyncio.to_thread(knowledge_stats.all_stats, desk.engine)
        return json(service.damaged_json(gone, stats.get(slug, ArticleStats()), ctx(request).settings.servers))
    except ArticleError as exc:
        return _cannot_store(exc)
    return await _article(request, record)


@bp.delete("/api/articles/<slug:str>")
@requires("editor")
async def retire_article(request: Request, slug: str) -> HTTPResponse:
    """Retire: gone from the chat within seconds, history kept (nothing is deleted)."""
    return await _set_status(request, slug, "retired")


@bp.post("/api/articles/<slug:str>/publish")
@requires("editor")
async def publish_article(request: Request, slug: str) -> HTTPResponse:
    """Publish: searchable in the chat within seconds."""
    return await _set_status(request, slug, "published")


@bp.get("/api/articles/<slug:str>/versions")
@requires("editor")
async def list_versions(request: Request, slug: str) -> HTTPResponse:
    """Every version, newest first, with a diff against the one before."""
    found = await asyncio.to_thread(store.versions, ctx(request).desk.get().engine, slug)
    if not found:
        return _not_found(slug)
    return json({"versions": service.versions_json(found)})


@bp.get("/api/articles/<slug:str>/versions/<version:int>")
@requires("editor")
async def get_version(request: Request, slug: str, version: int) -> HTTPResponse:
    """One version's content."""
    try:
        v = await asyncio.to_thread(store.get_version, ctx(request).desk.get().engine, slug, version)
    except store.NotFound:
        return error(404, "editor.no_version", {"version": version, "slug": slug})
    try:
        fields = article_fields(v.article)
    except ArticleError:
        return error(409, "editor.damaged_version", {"version": version})
    return json(
        {
            "version": v.version,
            "author": v.author,
            "created_at": v.created_at.isoformat(),
            "change": v.change,
            "status": v.status,
            "article": fields,
        }
    )


@bp.post("/api/articles/<slug:str>/restore")
@requires("editor")
async def restore_version(request: Request, slug: str) -> HTTPResponse:
    """``{"version": old, "current_version": shown}`` → a new version with the old content."""
    body = body_of(request)
    try:
        old = service.expected_version(body, "version")
        current = service.expected_version(body, "current_version")
    except Invalid as exc:
        return _invalid(exc)
    engine = ctx(request).desk.get().engine
    try:
        await _prepare(request, (await asyncio.to_thread(store.get_version, engine, slug, old)).article)
        record = await asyncio.to_thread(store.restore, engine, slug, old, current, _actor(request))
    except store.NotFound:
        return error(404, "editor.no_version", {"version": old, "slug": slug})
    except store.Conflict as exc:
        return await _conflict(request, exc)
    except Unreadable as exc:
        return _damaged(exc.damaged)
    except ArticleError:
        return error(409, "editor.damaged_version", {"version": old})
    return await _article(request, record)


@bp.get("/api/articles/<slug:str>/audit")
@requires("editor")
async def audit_log(request: Request, slug: str) -> HTTPResponse:
    """Publish, retire, restore, create and import events, newest first."""
    events = await asyncio.to_thread(store.audit, ctx(request).desk.get().engine, slug)
    rows = [{"action": e.action, "version": e.version, "actor": e.actor, "at": e.at.isoformat()} for e in events]
    return json({"events": rows})


@bp.post("/api/articles/preview")
@requires("editor")
async def preview(request: Request) -> HTTPResponse:
    """Markdown → the same safe HTML the article page shows."""
    text = body_of(request).get("body")
    if not isinstance(text, str) or len(text) > service.MAX_BODY:
        return error(400, "editor.preview_body", field="body")
    return json({"html": render_markdown(text)})


async def _kb(request: Request) -> Any:
    return await asyncio.to_thread(ctx(request).knowledge.get)


def _unavailable() -> HTTPResponse:
    return error(503, "knowledge.unavailable")


@bp.post("/api/knowledge/test")
@requires("editor")
async def test_question(request: Request) -> HTTPResponse:
    """``{"query": ..., "article": {draft fields}}``: hits and outcome as the chat would decide, with the draft."""
    body = body_of(request)
    query = body.get("query")
    settings = ctx(request).settings
    if not isinstance(query, str) or not query.strip() or len(query) > settings.knowledge.max_query_chars:
        return error(
            400,
            "editor.query",
            {"limit": settings.knowledge.max_query_chars},
            fields={"query": text("article.error.query")},
        )
    draft = None
    if body.get("article") is not None and not isinstance(body.get("article"), dict):
        return error(400, "editor.article_object", field="article")
    if isinstance(body.get("article"), dict):
        try:
            draft = service.draft_for_test(body["article"], service.today(settings.handoff.hours.tz))
        except Invalid as exc:
            return _invalid(exc)
    try:
        kb = await _kb(request)
    except KnowledgeUnavailable:
        return _unavailable()
    return json(await asyncio.to_thread(service.test_search, kb, query, draft))


@bp.get("/api/knowledge/gaps")
@requires("editor")
async def gap_queue_view(request: Request) -> HTTPResponse:
    """Open questions of the last 90 days (``?q=&reason=&week=``), clustered by meaning, largest cluster first."""
    try:
        chosen = gap_queue.gap_filter(request.args)
    except Invalid as exc:
        return _invalid(exc)
    try:
        kb = await _kb(request)
    except KnowledgeUnavailable:
        return _unavailable()
    desk = ctx(request).desk.get()
    tz = ctx(request).settings.handoff.hours.tz
    return json(await asyncio.to_thread(gap_queue.gap_report, desk, kb, tz, chosen))


@bp.post("/api/knowledge/gaps/dismiss")
@requires("editor")
async def dismiss_gaps(request: Request) -> HTTPResponse:
    """``{"gap_ids": [...]}``: these questions leave the queue for good; says which ids were closed or unknown."""
    try:
        ids = gap_queue.gap_ids(body_of(request))
    except Invalid:
        return error(400, "editor.gap_ids", field="gap_ids")
    closed = await asyncio.to_thread(gaps.dismiss_ids, ctx(request).desk.get().engine, ids)
    return json({"dismissed": len(closed.closed), **gap_queue.closed_json(closed)})


@bp.post("/api/knowledge/gaps/add-question")
@requires("editor")
async def add_gap_question(request: Request) -> HTTPResponse:
    """``{"gap_ids", "slug", "question"?}``: the question joins the article's examples, the gaps are done.

    The new version goes live like any edit; an article that has the question already is left as it is.
    """
    try:
        req = gap_queue.question_request(body_of(request))
    except Invalid as exc:
        return _invalid(exc)
    desk = ctx(request).desk.get()
    try:
        record, added, question = await asyncio.to_thread(gap_queue.with_question, desk, req)
    except gap_queue.NoGap:
        return error(404, "editor.gap_unknown", field="gap_ids")
    except store.NotFound:
        return _not_found(req.slug)
    except gap_queue.Retired:
        return error(409, "editor.gap_retired", {"slug": req.slug}, field="slug")
    except Unreadable as exc:
        return _damaged(exc.damaged)
    except Invalid as exc:
        return _invalid(exc)
    if added is not None:
        await _prepare(request, added)
        try:
            record = await asyncio.to_thread(store.save, desk.engine, added, record.version, _actor(request))
        except store.Conflict as exc:
            return await _conflict(request, exc)
        except (store.NotFound, Unreadable):
            return _not_found(req.slug)
        except ArticleError as exc:
            return _cannot_store(exc)
    closed = await asyncio.to_thread(gaps.mark_added, desk.engine, req.gap_ids, req.slug)
    article = await asyncio.to_thread(service.article_json, desk, ctx(request).settings.servers, record)
    return json({**gap_queue.closed_json(closed), "question": question, "added": added is not None, "article": article})
