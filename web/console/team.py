"""The console's team tools: canned replies (``/api/canned-replies``, written by leads) and internal notes.

Agents read the canned replies and get them filled for an open escalation; leads create, change and delete them.
Notes are added here and read with the escalation record (``GET /api/escalations/<id>``); they never become a
message, so the employee's chat, the ticket and Rasa never see them.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from desk import canned, escalations, notes
from desk.escalations import SKIPPED
from knowledge.text_policy import message
from texts import text
from web.auth.service import requires
from web.context import ctx
from web.http import body, error, field_text
from web.input_policy import PolicyError

bp = Blueprint("console_team")


def _checked(value: object, field: str, limit: str, label: str, **rules: bool) -> str:
    """One field by the input policy (limit ``LIMITS[limit]``); a refusal names the API's field and its German label."""
    try:
        return field_text(value, limit, **rules)
    except PolicyError as exc:
        raise PolicyError(exc.code, field, *message(exc.code, limit, label)) from None


def _fields(request: Request) -> tuple[str, str]:
    """Title and text of a canned reply by the input policy; a bad field is a 400 (PolicyError)."""
    data = body(request)
    title = _checked(data.get("title"), "title", "canned_title", "Titel", name=True)
    text_ = _checked(data.get("body"), "body", "canned_body", "Text", multiline=True)
    return title, text_


def _placeholder_error(unknown: list[str]) -> HTTPResponse:
    allowed = ", ".join("{" + p + "}" for p in canned.PLACEHOLDERS)
    shown = ", ".join("{" + p + "}" for p in unknown)
    return error(400, "console.placeholder", {"unknown": shown, "allowed": allowed}, field="body")


@bp.get("/api/canned-replies")
@requires("agent", "lead")
async def list_canned(request: Request) -> HTTPResponse:
    """Every block by title, the placeholders a block may use, and whether this account may change them."""
    found = await asyncio.to_thread(canned.list_all, ctx(request).desk.get().engine)
    return json(
        {
            "canned_replies": [c.as_json() for c in found],
            "placeholders": list(canned.PLACEHOLDERS),
            "can_edit": request.ctx.staff.account.has_role("lead"),
        }
    )


async def _save(request: Request, reply_id: int | None) -> HTTPResponse:
    """Create (``reply_id`` None: 201) or replace a block; 400 for a bad field or placeholder, 409 for a taken title."""
    title, text_ = _fields(request)
    unknown = canned.unknown_placeholders(text_)
    if unknown:
        return _placeholder_error(unknown)
    engine, actor = ctx(request).desk.get().engine, request.ctx.staff.account.username
    saved: canned.CannedReply | None
    try:
        if reply_id is None:
            saved = await asyncio.to_thread(canned.create, engine, title=title, body=text_, actor=actor)
        else:
            saved = await asyncio.to_thread(canned.change, engine, reply_id, title=title, body=text_, actor=actor)
    except canned.DuplicateTitle:
        return error(409, "console.canned_taken", {"title": title}, field="title")
    if saved is None:
        return error(404, "console.canned_not_found")
    return json({"canned_reply": saved.as_json()}, status=201 if reply_id is None else 200)


@bp.post("/api/canned-replies")
@requires("lead")
async def create_canned(request: Request) -> HTTPResponse:
    """A new block (201); 409 when the title is taken."""
    return await _save(request, None)


@bp.put("/api/canned-replies/<reply_id:int>")
@requires("lead")
async def change_canned(request: Request, reply_id: int) -> HTTPResponse:
    """Replace a block's title and text."""
    return await _save(request, reply_id)


@bp.delete("/api/canned-replies/<reply_id:int>")
@requires("lead")
async def delete_canned(request: Request, reply_id: int) -> HTTPResponse:
    """Delete a block."""
    if not await asyncio.to_thread(canned.remove, ctx(request).desk.get().engine, reply_id):
        return error(404, "console.canned_not_found")
    return json({"deleted": reply_id})


def filled(esc: escalations.Escalation, agent: str, blocks: list[canned.CannedReply]) -> list[dict[str, Any]]:
    """The blocks with their placeholders filled for this escalation (``text``), next to the block itself."""
    name = esc.details.get("name", "")
    known = name if name and name != SKIPPED else None
    number = esc.ticket_number or text("escalation.request_number", esc.language, id=esc.id)
    return [{**b.as_json(), "text": canned.fill(b.body, name=known, ticket=number, agent=agent)} for b in blocks]


@bp.get("/api/escalations/<escalation_id:int>/canned-replies")
@requires("agent")
async def canned_for(request: Request, escalation_id: int) -> HTTPResponse:
    """Every block filled in for this escalation: {name}, {ticket} and {agent} replaced."""
    desk = ctx(request).desk.get()
    esc = await asyncio.to_thread(escalations.get, desk.engine, escalation_id)
    if esc is None:
        return error(404, "console.not_found")
    account = request.ctx.staff.account
    blocks = await asyncio.to_thread(canned.list_all, desk.engine)
    return json({"canned_replies": filled(esc, account.display_name or desk.handoff.team_name, blocks)})


@bp.post("/api/escalations/<escalation_id:int>/notes")
@requires("agent")
async def add_note(request: Request, escalation_id: int) -> HTTPResponse:
    """An internal note for colleagues (201), on an escalation in any status; the employee never sees it."""
    note_text = _checked(body(request).get("text"), "text", "internal_note", "Notiz", multiline=True)
    engine, account = ctx(request).desk.get().engine, request.ctx.staff.account
    try:
        made = await asyncio.to_thread(notes.add, engine, escalation_id, account=account, text=note_text)
    except LookupError:
        return error(404, "console.not_found")
    except notes.TooManyNotes:
        return error(409, "console.too_many_notes", {"limit": notes.MAX_NOTES})
    return json({"note": made.as_json()}, status=201)
