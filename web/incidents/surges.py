"""``/api/incidents/surges``: many similar questions no active incident explains (:mod:`desk.surges`).

The console shows the open ones as a banner ("Viele ähnliche Anfragen: …") with a pre-filled incident form;
dismissing one hides it for good, also while the same questions go on. Dismissing needs the CSRF token.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from desk import surges
from web.auth.service import requires
from web.context import ctx
from web.http import error

bp = Blueprint("incident_surges")


def _engine(request: Request) -> Any:
    return ctx(request).desk.get().engine


@bp.get("/api/incidents/surges")
@requires("agent", "lead")
async def list_surges(request: Request) -> HTTPResponse:
    """The open surges, the largest first, with the window they were counted in."""
    found = await asyncio.to_thread(surges.listing, _engine(request))
    return json({"surges": found, "window_minutes": ctx(request).settings.surges.window_minutes})


@bp.post("/api/incidents/surges/<surge_id:int>/dismiss")
@requires("agent", "lead")
async def dismiss_surge(request: Request, surge_id: int) -> HTTPResponse:
    """Hide the surge for good; ``changed`` is false when it was hidden already (a retry)."""
    username = request.ctx.staff.account.username
    try:
        changed = await asyncio.to_thread(surges.dismiss, _engine(request), surge_id, username=username)
    except LookupError:
        return error(404, "incident.surge_not_found")
    return json({"id": surge_id, "dismissed": True, "changed": changed})
