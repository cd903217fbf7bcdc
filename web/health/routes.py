"""``GET /health``: 200 only when Rasa, the action server and the index are ready (and on PostgreSQL, live updates)."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from web.context import ctx
from web.health.service import check

bp = Blueprint("health")


@bp.get("/health")
async def health(request: Request) -> HTTPResponse:
    """Readiness of all parts; 503 names what is missing."""
    app = ctx(request)
    body = await check(
        rasa=app.rasa,
        http=app.upstream.client(),
        action_url=app.settings.servers.action_url,
        knowledge=app.knowledge,
        live=app.notifier.health(),
    )
    return json(body, status=200 if body["status"] == "ok" else 503)
