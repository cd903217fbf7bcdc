"""``GET /metrics``: Prometheus' text format, for loopback clients or with the metrics token.

Allowed when the client (:func:`web.auth.client.loopback_client`, which believes ``X-Forwarded-For`` only from
``SERVICEDESK_TRUSTED_PROXIES``) is on this machine, or with ``Authorization: Bearer <SERVICEDESK_METRICS_TOKEN>``
(compared in constant time). Everyone else gets 403 with the standard error answer.
"""

from __future__ import annotations

import asyncio
import hmac

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, text

from web.auth.client import loopback_client
from web.context import ctx
from web.http import error
from web.metrics.collect import shared_figures
from web.metrics.registry import CONTENT_TYPE

bp = Blueprint("metrics")


def allowed(request: Request) -> bool:
    """A loopback client, or the configured token as a Bearer credential."""
    servers = ctx(request).settings.servers
    if loopback_client(request, servers.trusted_proxies):
        return True
    token = servers.metrics_token.get_secret_value()
    given = request.headers.get("authorization", "")
    scheme, _, credential = given.partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(credential.strip().encode(), token.encode())


@bp.get("/metrics", name="metrics")
async def metrics(request: Request) -> HTTPResponse:
    """This process's request and turn figures, then the shared figures from the database."""
    if not allowed(request):
        return error(403, "metrics.forbidden")
    app = ctx(request)
    shared = await asyncio.to_thread(shared_figures, app.desk.get().engine)
    body = "\n".join(app.metrics.render() + shared) + "\n"
    return text(body, content_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})
