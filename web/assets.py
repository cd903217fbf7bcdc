"""The full-screen chat page, the widget loader, the text catalogue and Chart.js (other files: ``app.static``)."""

from __future__ import annotations

from pathlib import Path

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, file, json

import texts
from web.http import error

bp = Blueprint("assets")
STATIC = Path(__file__).resolve().parent / "static"
VENDOR = Path(__file__).resolve().parents[1] / "node_modules"


@bp.get("/chat")
async def chat_page(_request: Request) -> HTTPResponse:
    """The chat, full screen (the widget in its full-screen mode)."""
    return await file(STATIC / "chat.html", mime_type="text/html; charset=utf-8")


@bp.get("/widget.js")
async def widget(_request: Request) -> HTTPResponse:
    """The loader an intranet page embeds with one script tag."""
    resp = await file(STATIC / "widget.js", mime_type="text/javascript; charset=utf-8")
    resp.headers["Cache-Control"] = "no-cache"
    return resp


@bp.get("/texts/<name:str>")
async def catalogue(_request: Request, name: str) -> HTTPResponse:
    """The text catalogue of one language (``de.json``, ``en.json``) for the staff pages and the widget."""
    language = name.removesuffix(".json")
    if not name.endswith(".json") or language not in texts.LANGUAGES:
        return error(404, "http.404")
    # Public words, the same for everyone: any page may read them (the widget runs on the intranet's origin).
    headers = {"Cache-Control": "max-age=300", "Access-Control-Allow-Origin": "*"}
    return json(texts.catalogue(language), headers=headers)


@bp.get("/static/vendor/chart.umd.min.js")
async def chart_js(_request: Request) -> HTTPResponse:
    """Chart.js for the lead's page, as installed by ``make setup-node`` (never committed)."""
    path = VENDOR / "chart.js" / "dist" / "chart.umd.min.js"
    if not path.is_file():
        return error(404, "assets.chart_missing")
    return await file(path, mime_type="text/javascript; charset=utf-8")
