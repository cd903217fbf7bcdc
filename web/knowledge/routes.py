"""Routes: ``GET /api/knowledge/search`` and ``GET /kb/<slug>``."""

from __future__ import annotations

import asyncio
import html

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sanic.response import html as html_response

from knowledge.source import KnowledgeUnavailable
from texts import text
from web.context import ctx
from web.http import error
from web.knowledge import service
from web.pages import page

bp = Blueprint("knowledge")


@bp.get("/api/knowledge/search")
async def search(request: Request) -> HTTPResponse:
    """Ranked articles and the outcome the chat would choose."""
    settings = ctx(request).settings
    try:
        query, k = service.parse_search_args(
            request.args.get("q"), request.args.get("k"), settings.knowledge.max_query_chars
        )
    except service.BadRequest as exc:
        return error(400, exc.code, exc.values, field=exc.field)
    try:
        body = await service.search(
            knowledge=ctx(request).knowledge, article_url=settings.servers.article_url, query=query, k=k
        )
    except KnowledgeUnavailable:
        return error(503, "knowledge.unavailable", field="")
    return json(body)


@bp.get("/kb/<slug:str>")
async def article_page(request: Request, slug: str) -> HTTPResponse:
    """The article as a readable page; a friendly 404 for unknown slugs."""
    try:
        kb = await asyncio.to_thread(ctx(request).knowledge.get)
    except KnowledgeUnavailable:
        return html_response(
            page(text("page.unavailable_title"), f"<p>{html.escape(text('page.unavailable'))}</p>"), status=503
        )
    article = kb.article(slug)
    if article is None:
        body = (
            f"<p>{html.escape(text('page.not_found', slug=slug))} "
            f'<a href="/chat">{html.escape(text("page.ask_assistant"))}</a>.</p>'
        )
        return html_response(page(text("page.not_found_title"), body), status=404)
    reviewed = text("page.reviewed", date=article.reviewed.strftime("%d.%m.%Y"))
    owner = text("page.owner", owner=article.owner)
    meta = f'<p class="meta">{html.escape(reviewed)} · {html.escape(owner)}</p>'
    return html_response(page(article.title, meta + service.render_article_body(article), lang=article.language))
