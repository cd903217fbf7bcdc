"""Error answers in German and English for what Sanic itself refuses (unknown path, method, size, bad request)."""

from __future__ import annotations

import logging

from sanic import Request, Sanic
from sanic.exceptions import SanicException
from sanic.response import HTTPResponse, html, json

from web.pages import page

logger = logging.getLogger(__name__)

TEXTS: dict[int, tuple[str, str]] = {
    400: ("Die Anfrage ist ungültig.", "The request is not valid."),
    404: ("Nicht gefunden.", "Not found."),
    405: ("Diese Methode ist hier nicht erlaubt.", "This method is not allowed here."),
    408: ("Die Anfrage hat zu lange gedauert.", "The request took too long."),
    413: ("Die Anfrage ist zu groß.", "The request is too large."),
    416: ("Dieser Bereich ist nicht verfügbar.", "This range is not available."),
}
SERVER_ERROR = ("Ein interner Fehler ist aufgetreten.", "An internal error occurred.")


def answer(request: Request, status: int) -> HTTPResponse:
    """JSON for the API, a small HTML page for everything else."""
    de, en = TEXTS.get(status, SERVER_ERROR if status >= 500 else TEXTS[400])
    if request.path.startswith("/api/") or request.path == "/health":
        return json({"error": de, "error_en": en}, status=status)
    return html(page(de, f'<p>{en}</p><p><a href="/chat">Zum Assistenten</a></p>'), status=status)


def install(app: Sanic) -> None:
    """Route Sanic's own refusals and unexpected errors through :func:`answer`."""

    @app.exception(SanicException)
    async def _refused(request: Request, exc: SanicException) -> HTTPResponse:
        status = int(getattr(exc, "status_code", 500) or 500)
        if status >= 500:
            logger.error("request failed: %s %s (%s)", request.method, request.path, type(exc).__name__)
        resp = answer(request, status)
        for name, value in (getattr(exc, "headers", None) or {}).items():
            resp.headers.setdefault(name, value)
        return resp

    @app.exception(Exception)
    async def _failed(request: Request, exc: Exception) -> HTTPResponse:
        # The traceback goes to the log (without request bodies); the client gets no details.
        logger.error("unhandled error in %s %s", request.method, request.path, exc_info=exc)
        return answer(request, 500)
