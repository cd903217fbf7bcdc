"""Error answers in German and English for what Sanic itself refuses (unknown path, method, size, bad request)."""

from __future__ import annotations

import logging
from html import escape

from sanic import Request, Sanic
from sanic.exceptions import SanicException
from sanic.response import HTTPResponse, html
from sqlalchemy.exc import InterfaceError, OperationalError

import texts
from web.http import error
from web.pages import page

logger = logging.getLogger(__name__)

KNOWN = (400, 404, 405, 408, 413, 416, 503)  # what the catalogue has words for ("error.http.<status>")
MACHINE_READ = ("/api/", "/static/", "/texts/")  # answered in JSON; pages get a small HTML page


def answer(request: Request, status: int) -> HTTPResponse:
    """JSON for the API, a small HTML page for everything else."""
    code = f"http.{status if status in KNOWN else 500 if status >= 500 else 400}"
    if request.path.startswith(MACHINE_READ) or request.path == "/health":
        return error(status, code)
    de, en = texts.both(f"error.{code}")
    back = texts.text("page.to_assistant")
    return html(page(de, f'<p>{en_html(en)}</p><p><a href="/chat">{en_html(back)}</a></p>'), status=status)


def en_html(value: str) -> str:
    """Catalogue text inside HTML."""
    return escape(value)


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

    @app.exception(IsADirectoryError)
    async def _folder(request: Request, _exc: IsADirectoryError) -> HTTPResponse:
        return answer(request, 404)  # /static/<folder>: there is no listing

    @app.exception(OperationalError, InterfaceError)
    async def _records_down(request: Request, exc: Exception) -> HTTPResponse:
        # The records database does not answer (PostgreSQL restarting, a network cut): a short outage, not a bug.
        # 503 with Retry-After, one log line without a traceback (a restart would otherwise log one per request).
        cause = type(getattr(exc, "orig", None) or exc).__name__
        logger.warning("records database unavailable in %s %s (%s)", request.method, request.path, cause)
        resp = answer(request, 503)
        resp.headers["Retry-After"] = "2"
        return resp

    @app.exception(Exception)
    async def _failed(request: Request, exc: Exception) -> HTTPResponse:
        # The traceback goes to the log (without request bodies); the client gets no details.
        logger.error("unhandled error in %s %s", request.method, request.path, exc_info=exc)
        return answer(request, 500)
