"""``/admin/`` (the admin page) and its API: the access audit and data-subject requests, role ``admin``.

Every route here is for admins only (``requires("admin")``); the data-subject requests are recorded in the
request audit (who, when, kind, counts) whatever they find.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, html, json

import texts
from desk import access_audit, subject
from web.auth.service import requires
from web.context import ctx
from web.http import error
from web.input_policy import PolicyError, field_text, query_date
from web.input_policy import body as body_of
from web.pages import staff_page

bp = Blueprint("admin")


@bp.get("/admin/")
async def admin_page(_request: Request) -> HTTPResponse:
    """The admin page; it logs in and reads the API below."""
    return html(staff_page("admin"))


def _day(request: Request, name: str) -> datetime | None:
    found = query_date(request, name)
    if found is None:
        return None
    return datetime.combine(found, time.min, ctx(request).desk.get().hours.tz).astimezone(UTC)


@bp.get("/api/admin/access")
@requires("admin")
async def accesses(request: Request) -> HTTPResponse:
    """Who opened which escalation, its messages or the ticket list, newest first (``from``/``to``: local days)."""
    since, until = _day(request, "from"), _day(request, "to")
    if until is not None:
        until += timedelta(days=1)  # "to" is inclusive
    if since is not None and until is not None and since >= until:
        return error(400, "insights.order", field="from")
    engine = ctx(request).desk.get().engine
    rows = await asyncio.to_thread(access_audit.accesses, engine, since=since, until=until)
    return json({"accesses": rows, "retention_days": ctx(request).settings.retention.audit_days})


def _subject(request: Request) -> subject.Subject:
    """The person a request names: exactly one of ``user_id`` or ``conversation_id``."""
    body = body_of(request)
    given = [name for name in ("user_id", "conversation_id") if body.get(name) is not None]
    if len(given) != 1:
        raise PolicyError("type", "user_id", *texts.both("error.subject.target"))
    value = field_text(body[given[0]], given[0], name=True)  # one line, no direction marks
    desk = ctx(request).desk.get()
    if given[0] == "user_id":
        return subject.by_user_id(desk.secret, value)
    return subject.by_conversation(desk.engine, ctx(request).settings, desk.secret, value)


async def _request(request: Request, kind: str) -> HTTPResponse:
    desk = ctx(request).desk.get()
    try:
        person = _subject(request)
    except subject.SubjectError:
        return error(404, "subject.unknown")
    if kind == "erase" and body_of(request).get("confirm") is not True:
        return error(400, "subject.confirm", field="confirm")
    tracker = ctx(request).settings
    run = subject.export if kind == "export" else subject.erase
    found = await asyncio.to_thread(run, desk.engine, tracker, desk.secret, person)
    counted = found["counts"] if kind == "export" else found
    actor = request.ctx.staff.account.username
    await asyncio.to_thread(
        subject.log_request, desk.engine, actor=actor, kind=kind, given=person.given, counted=counted
    )
    return json(found if kind == "export" else {"counts": counted})


@bp.post("/api/admin/subject/export")
@requires("admin")
async def export(request: Request) -> HTTPResponse:
    """Everything linked to one pseudonymous user, as JSON (DSGVO Art. 15)."""
    return await _request(request, "export")


@bp.post("/api/admin/subject/erase")
@requires("admin")
async def erase(request: Request) -> HTTPResponse:
    """Delete everything linked to one pseudonymous user, Rasa's tracker events included (Art. 17)."""
    return await _request(request, "erase")


@bp.get("/api/admin/subject/requests")
@requires("admin")
async def requests(request: Request) -> HTTPResponse:
    """The request audit: who asked for which kind, when, with how many records (no person, no content)."""
    engine = ctx(request).desk.get().engine
    return json({"requests": await asyncio.to_thread(subject.requests, engine)})
