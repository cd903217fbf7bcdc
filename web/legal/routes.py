"""Routes: ``GET /datenschutz`` (privacy notice and register) and ``GET /barrierefreiheit`` (BITV 2.0 statement).

Both are public pages like the article pages, German by default, English with ``?lang=en``.
"""

from __future__ import annotations

import asyncio

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic.response import html as html_response

from texts import text
from web.context import ctx
from web.legal import service
from web.pages import page

bp = Blueprint("legal")


def _language(request: Request) -> str:
    return "en" if request.args.get("lang") == "en" else "de"


@bp.get("/datenschutz")
async def privacy(request: Request) -> HTTPResponse:
    """The privacy notice (DSGVO Art. 13) and the full register of processing."""
    language = _language(request)
    body = await asyncio.to_thread(service.privacy_body, ctx(request).settings, language)
    return html_response(page(text("legal.privacy.title", language), body, lang=language))


@bp.get("/barrierefreiheit")
async def accessibility(request: Request) -> HTTPResponse:
    """The accessibility statement (Erklärung zur Barrierefreiheit nach BITV 2.0)."""
    language = _language(request)
    body = service.accessibility_body(ctx(request).settings, language)
    return html_response(page(text("legal.accessibility.title", language), body, lang=language))
