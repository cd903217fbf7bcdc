"""Every request of the web service: its request id (in the logs, to Rasa, in the answer) and its figures.

The id is the client's ``X-Request-ID`` if it is plainly an id (:func:`ops.logs.valid_request_id`), otherwise a
new one; the answer carries it back. Each request is counted under its Sanic route name (never the raw path,
which can hold ids) with its method, status class and duration, and logged at debug level in the same terms.
"""

from __future__ import annotations

import logging
import time

from sanic import Request, Sanic
from sanic.response import BaseHTTPResponse

from ops.logs import HEADER, new_request_id, set_request_id, valid_request_id
from web.context import ctx

logger = logging.getLogger("web.requests")
UNMATCHED = "unmatched"  # a path no route knows (404) or a method it does not allow


def route_name(request: Request) -> str:
    """The route's name without the app's prefix (``chat.post_message``), or ``unmatched``."""
    route = request.route
    if route is None:
        return UNMATCHED
    prefix = f"{request.app.name}."
    return route.name[len(prefix) :] if route.name.startswith(prefix) else route.name


def install(app: Sanic) -> None:
    """Register the request and response middleware (before any other request middleware runs)."""

    async def _begin(request: Request) -> None:
        request.ctx.started = time.perf_counter()
        request_id = valid_request_id(request.headers.get(HEADER)) or new_request_id()
        request.ctx.request_id = request_id
        set_request_id(request_id)

    async def _end(request: Request, response: BaseHTTPResponse) -> None:
        request_id = getattr(request.ctx, "request_id", "")
        if request_id:
            response.headers[HEADER] = request_id
        started = getattr(request.ctx, "started", None)
        if started is None:
            return
        seconds = time.perf_counter() - started
        name = route_name(request)
        ctx(request).metrics.observe_request(name, request.method, response.status, seconds)
        logger.debug("%s %s %s %.1f ms", request.method, name, response.status, seconds * 1000)

    app.register_middleware(_begin, "request", priority=1000)
    app.register_middleware(_end, "response", priority=1000)
