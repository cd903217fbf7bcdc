"""Routes: ``GET /api/knowledge/search`` and ``GET /kb/<slug>``."""

from __future__ import annotations

import asyncio
import html

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sanic.response import html as html_response

from knowledge.source import KnowledgeUnavailable
from web.knowledge import service
from web.pages import page

bp = Blueprint("knowledge")


@bp.get("/api/knowledge/search")
async def search(request: Request) -> HTTPResponse:
    """Ranked articles and the outcome the chat would choose."""
    settings = request.app.ctx.settings
    try:
        query, k = service.parse_search_args(
            request.args.get("q"), request.args.get("k"), settings.knowledge.max_query_chars
        )
    except service.BadRequest as exc:
        return json(exc.payload, status=400)
    try:
        body = await service.search(
            knowledge=request.app.ctx.knowledge, article_url=settings.servers.article_url, query=query, k=k
        )
    except KnowledgeUnavailable:
        return json(
            {
                "error": "Die Wissensdatenbank ist noch nicht geladen.",
                "error_en": "The knowledge base is not loaded yet.",
                "field": "",
            },
            status=503,
        )
    return json(body)


@bp.get("/kb/<slug:str>")
async def article_page(request: Request, slug: str) -> HTTPResponse:
    """The article as a readable page; a friendly 404 for unknown slugs."""
    try:
        kb = await asyncio.to_thread(request.app.ctx.knowledge.get)
    except KnowledgeUnavailable:
        return html_response(
            page("Nicht verfügbar", "<p>Die Wissensdatenbank ist gerade nicht verfügbar.</p>"), status=503
        )
    article = kb.article(slug)
    if article is None:
        body = (
            f"<p>Zu <code>{html.escape(slug)}</code> gibt es keinen Artikel. "
            '<a href="/chat">Fragen Sie den Assistenten</a>.</p>'
        )
        return html_response(page("Artikel nicht gefunden", body), status=404)
    meta = (
        f'<p class="meta">Zuletzt geprüft: {article.reviewed.strftime("%d.%m.%Y")} · '
        f"Zuständig: {html.escape(article.owner)}</p>"
    )
    return html_response(page(article.title, meta + service.render_article_body(article), lang=article.language))
