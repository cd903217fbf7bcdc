"""``GET /api/chat/incidents``: the widget's banner "Aktuelle Störung: …" while a major incident is active.

Public like the chat's empty state (no session, nothing stored): only the published title of each active incident,
never a draft, never an unpublished edit or an internal field. ``?after=<revision>`` is a long-poll: it answers
when the incidents change counter moves (publish, status update, resolution; every instance's notifier sees it
within a poll interval) or after the long-poll time. ``SERVICEDESK_INCIDENT_BANNER=false`` turns the banner off.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from desk import incidents
from web.context import ctx
from web.http import query_int

bp = Blueprint("incident_banner")


def current(engine: Any) -> tuple[int, list[dict[str, Any]]]:
    """The change counter, then what employees see of the active incidents (id and published title only).

    Read in this order: a change in between shows up as a counter that moves again, never as one that hides it.
    """
    revision = incidents.changes(engine)
    return revision, [{"id": i["id"], "title": i["title"]} for i in incidents.active(engine) if i.get("title")]


@bp.get("/api/chat/incidents")
async def incident_banner(request: Request) -> HTTPResponse:
    """``{"shown", "revision", "incidents": [{"id", "title"}]}``; with ``?after=`` it waits for a change."""
    app = ctx(request)
    waits = request.args.get("after") is not None
    after = query_int(request, "after")
    headers = {"Cache-Control": "no-store"}
    if not app.settings.chat.incident_banner:
        return json({"shown": False, "revision": 0, "incidents": []}, headers=headers)
    engine = app.desk.get().engine
    mark = app.notifier.incidents_mark()  # before reading: a change while we read wakes it
    revision, found = await asyncio.to_thread(current, engine)
    if waits and revision == after and await app.notifier.changed(app.settings.servers.long_poll_s, mark):
        revision, found = await asyncio.to_thread(current, engine)
    return json({"shown": True, "revision": revision, "incidents": found}, headers=headers)
