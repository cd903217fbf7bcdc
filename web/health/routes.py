"""``GET /health``: 200 only when Rasa, the action server, the index and the records are ready.

On PostgreSQL the live updates too, and with Rasa's lock store in Redis (the cluster), Redis.
"""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from web.context import ctx
from web.health.service import check, redis_lock_store

bp = Blueprint("health")


@bp.get("/health")
async def health(request: Request) -> HTTPResponse:
    """Readiness of all parts; 503 names what is missing."""
    app = ctx(request)
    servers = app.settings.servers
    redis = (servers.redis_host, servers.redis_port) if redis_lock_store(servers.rasa_endpoints) else None
    body = await check(
        rasa=app.rasa,
        http=app.upstream.client(),
        action_url=app.settings.servers.action_url,
        knowledge=app.knowledge,
        live=app.notifier.health(),
        database=app.desk.get().engine,
        redis=redis,
    )
    return json(body, status=200 if body["status"] == "ok" else 503)
