"""``/api/incidents``: agents declare and edit major incidents, a lead publishes, updates reach the subscribers.

Who may publish what employees see: a lead (or an admin); an agent too where
``SERVICEDESK_INCIDENT_AGENT_PUBLISH`` allows it. State changes need the CSRF token (``requires``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from desk import incident_stats, incidents
from desk.incidents import IncidentConflict
from web.auth.service import requires
from web.context import ctx
from web.http import body, error
from web.incidents import schemas
from web.incidents.schemas import FieldErrors

bp = Blueprint("incidents")


def _engine(request: Request) -> Any:
    return ctx(request).desk.get().engine


def _tz(request: Request) -> Any:
    return ctx(request).settings.handoff.hours.tz


def may_publish(request: Request) -> bool:
    """A lead (admins pass every role check), or an agent where the setting allows it."""
    account = request.ctx.staff.account
    return account.has_role("lead") or ctx(request).settings.handoff.incident_agent_publish


def _counted(engine: Any, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The incidents with their ``counters`` (matched messages, escalations, deflection, CSAT ...)."""
    figures = incident_stats.counters(engine, [i["id"] for i in found])
    return [{**i, "counters": figures[i["id"]]} for i in found]


def _one(engine: Any, incident_id: int) -> dict[str, Any] | None:
    found = incidents.get(engine, incident_id)
    return _counted(engine, [found])[0] if found is not None else None


def _all(engine: Any) -> list[dict[str, Any]]:
    return _counted(engine, incidents.listing(engine))


async def _record(request: Request, incident_id: int, status: int = 200, **extra: Any) -> HTTPResponse:
    found = await asyncio.to_thread(_one, _engine(request), incident_id)
    if found is None:
        return error(404, "incident.not_found")
    return json({"incident": found, "can_publish": may_publish(request), **extra}, status=status)


@bp.exception(FieldErrors)
async def _bad_fields(_request: Request, exc: FieldErrors) -> HTTPResponse:
    return exc.response()


@bp.exception(LookupError)
async def _not_found(_request: Request, _exc: LookupError) -> HTTPResponse:
    return error(404, "incident.not_found")


@bp.exception(IncidentConflict)
async def _conflict(_request: Request, exc: IncidentConflict) -> HTTPResponse:
    """Not in this state: not published yet (a status update) or resolved already."""
    return error(409, "incident.draft" if str(exc) == "draft" else "incident.resolved")


@bp.get("/api/incidents")
@requires("agent", "lead")
async def list_incidents(request: Request) -> HTTPResponse:
    """Newest first with their counters, and whether this account may publish."""
    found = await asyncio.to_thread(_all, _engine(request))
    return json({"incidents": found, "can_publish": may_publish(request)})


@bp.post("/api/incidents")
@requires("agent", "lead")
async def create_incident(request: Request) -> HTTPResponse:
    """A new incident, a draft until published (201)."""
    draft = schemas.draft(body(request), _tz(request))
    account = request.ctx.staff.account
    incident_id = await asyncio.to_thread(incidents.create, _engine(request), draft, account=account)
    return await _record(request, incident_id, status=201)


@bp.get("/api/incidents/<incident_id:int>")
@requires("agent", "lead")
async def get_incident(request: Request, incident_id: int) -> HTTPResponse:
    """One incident with its history (the publish audit among it)."""
    return await _record(request, incident_id)


@bp.put("/api/incidents/<incident_id:int>")
@requires("agent", "lead")
async def edit_incident(request: Request, incident_id: int) -> HTTPResponse:
    """Replace the fields; employees see them after the next publish."""
    draft = schemas.draft(body(request), _tz(request))
    await asyncio.to_thread(incidents.edit, _engine(request), incident_id, draft, account=request.ctx.staff.account)
    return await _record(request, incident_id)


@bp.post("/api/incidents/<incident_id:int>/publish")
@requires("agent", "lead")
async def publish_incident(request: Request, incident_id: int) -> HTTPResponse:
    """Make the current text what employees see (audited); 403 for an agent unless the setting allows it."""
    if not may_publish(request):
        return error(403, "incident.publish_role")
    changed = await asyncio.to_thread(
        incidents.publish, _engine(request), incident_id, account=request.ctx.staff.account
    )
    return await _record(request, incident_id, changed=changed)


async def _step(request: Request, incident_id: int, kind: str) -> HTTPResponse:
    """A status update or the resolution: stored, audited and pushed to the subscribers in one transaction."""
    engine, account, tz = _engine(request), request.ctx.staff.account, _tz(request)
    text, at = schemas.update(body(request), tz, with_time=kind == "update")
    if kind == "update":
        sent = await asyncio.to_thread(
            incidents.add_update, engine, incident_id, text=text, next_update_at=at, account=account, tz=tz
        )
    else:
        sent = await asyncio.to_thread(incidents.resolve, engine, incident_id, text=text, account=account)
    return await _record(request, incident_id, notified=sent)


@bp.post("/api/incidents/<incident_id:int>/updates")
@requires("agent", "lead")
async def add_update(request: Request, incident_id: int) -> HTTPResponse:
    """``{"text", "next_update_at"?}``: a status update for every subscribed conversation."""
    return await _step(request, incident_id, "update")


@bp.post("/api/incidents/<incident_id:int>/resolve")
@requires("agent", "lead")
async def resolve_incident(request: Request, incident_id: int) -> HTTPResponse:
    """``{"text"}``: resolved; every subscriber gets the text and the closing question (once)."""
    return await _step(request, incident_id, "resolve")
