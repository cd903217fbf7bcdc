"""``/console/`` (the agent console page) and the escalation API (role ``agent``)."""

from __future__ import annotations

import asyncio
from datetime import UTC

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, html, json, raw
from sqlalchemy import select

from desk import attachments, conversations, escalations
from desk.db import tickets
from desk.escalations import STATUSES, TransitionError
from knowledge.text_policy import LIMITS
from web.admin.audit import note
from web.auth.service import requires
from web.context import ctx
from web.handoff import service
from web.http import error
from web.input_policy import body as body_of
from web.input_policy import field_text, query_int
from web.pages import staff_page

bp = Blueprint("console")
MAX_REPLY = LIMITS["reply"]


@bp.get("/console/")
async def console_page(_request: Request) -> HTTPResponse:
    """The single console page; it logs in and talks to the API below."""
    return html(staff_page("console"))


def _not_found() -> HTTPResponse:
    return error(404, "console.not_found")


def _conflict(exc: Exception) -> HTTPResponse:
    return error(409, "console.conflict", detail=str(exc))


@bp.get("/api/escalations")
@requires("agent")
async def list_escalations(request: Request) -> HTTPResponse:
    """Most urgent first, then oldest; ``?status=waiting`` (comma-separated; default waiting,claimed)."""
    raw = request.args.get("status", "waiting,claimed")
    wanted = tuple(s for s in raw.split(",") if s)
    if not wanted or any(s not in STATUSES for s in wanted):
        return error(400, "console.status", {"allowed": ", ".join(STATUSES)}, field="status")
    app = ctx(request)
    revision = app.notifier.revision
    desk = app.desk.get()
    found = escalations.queue_order(await asyncio.to_thread(escalations.list_by_status, desk.engine, wanted))
    return json(
        {
            "escalations": [service.list_json(e) for e in found],
            "revision": revision,
            "claim_warn_seconds": desk.handoff.claim_warn_minutes * 60,
        }
    )


@bp.get("/api/escalations/changes")
@requires("agent")
async def changes(request: Request) -> HTTPResponse:
    """Long-poll: answers when the queue changed after ``since`` (or after 25 s)."""
    since = query_int(request, "since")
    notifier = ctx(request).notifier
    deadline = asyncio.get_running_loop().time() + ctx(request).settings.servers.long_poll_s
    while notifier.revision <= since:
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0 or not await notifier.changed(left):
            break
    return json({"revision": notifier.revision})


def _title_of(request: Request):  # noqa: ANN202 - Callable[[str], str | None]
    """Article titles for links agents paste (none when the knowledge base is not loaded)."""

    def title(slug: str) -> str | None:
        try:
            article = ctx(request).knowledge.get().article(slug)
        except Exception:  # noqa: BLE001 - a missing index must not block a reply
            return None
        return article.title if article else None

    return title


async def _load(request: Request, escalation_id: int) -> escalations.Escalation | None:
    return await asyncio.to_thread(escalations.get, ctx(request).desk.get().engine, escalation_id)


@bp.get("/api/escalations/<escalation_id:int>")
@requires("agent")
async def get_escalation(request: Request, escalation_id: int) -> HTTPResponse:
    """The whole record with the context card and the messages."""
    esc = await _load(request, escalation_id)
    if esc is None:
        return _not_found()
    await note(request, "escalation", escalation_id)
    return json(await asyncio.to_thread(ctx(request).handoff.record_json, esc))


@bp.get("/api/escalations/<escalation_id:int>/messages")
@requires("agent")
async def poll_messages(request: Request, escalation_id: int) -> HTTPResponse:
    """Long-poll the conversation's messages after ``?after=<id>`` (employee messages arrive here)."""
    after = query_int(request, "after")
    esc = await _load(request, escalation_id)
    if esc is None:
        return _not_found()
    await note(request, "messages", escalation_id)
    desk, notifier = ctx(request).desk.get(), ctx(request).notifier
    deadline = asyncio.get_running_loop().time() + ctx(request).settings.servers.long_poll_s
    while True:
        mark = notifier.mark()
        current = await _load(request, escalation_id) or esc
        start, end = service.window(current, after)  # only the handoff's own messages, never later chats
        found = await asyncio.to_thread(conversations.messages_after, desk.engine, esc.conversation_id, start, 500, end)
        left = deadline - asyncio.get_running_loop().time()
        if found or left <= 0 or not await notifier.changed(left, mark):
            return json({"messages": found})


@bp.get("/api/escalations/<escalation_id:int>/attachments/<attachment_id:int>")
@requires("agent")
async def get_attachment(request: Request, escalation_id: int, attachment_id: int) -> HTTPResponse:
    """A screenshot the employee attached in this escalation's conversation (the stored, re-encoded image)."""
    esc = await _load(request, escalation_id)
    if esc is None:
        return _not_found()
    engine = ctx(request).desk.get().engine
    allowed = await asyncio.to_thread(attachments.ids_of, engine, esc.conversation_id, service.window(esc)[1])
    shot = await asyncio.to_thread(attachments.get, engine, attachment_id) if attachment_id in allowed else None
    if shot is None:
        return error(404, "attachment.not_found")
    await note(request, "escalation", escalation_id)
    headers = {"Cache-Control": "private, no-store", "Content-Disposition": "inline"}
    return raw(shot.content, content_type=shot.media_type, headers=headers)


async def _act(request: Request, escalation_id: int, step: str) -> HTTPResponse:
    handoff, account = ctx(request).handoff, request.ctx.staff.account
    try:
        if step == "claim":
            esc = await handoff.claim(escalation_id=escalation_id, account=account)
        elif step == "resolve":
            esc = await handoff.resolve(escalation_id=escalation_id, account=account)
        elif step == "handback":
            esc = await handoff.hand_back(escalation_id=escalation_id, account=account)
        else:
            esc = await handoff.to_ticket(escalation_id=escalation_id, why="agent", account=account)
    except LookupError:
        return _not_found()
    except service.NotYours:
        return error(403, "console.not_yours")
    except TransitionError as exc:
        if await _load(request, escalation_id) is None:
            return _not_found()
        return _conflict(exc)
    body = await asyncio.to_thread(handoff.record_json, esc)
    if step == "ticket" and esc.ticket_number is None:
        return error(502, "console.ticket_pending", **body)
    return json(body)


@bp.post("/api/escalations/<escalation_id:int>/claim")
@requires("agent")
async def claim(request: Request, escalation_id: int) -> HTTPResponse:
    """Take over the conversation (409 when someone else was quicker)."""
    return await _act(request, escalation_id, "claim")


@bp.post("/api/escalations/<escalation_id:int>/resolve")
@requires("agent")
async def resolve(request: Request, escalation_id: int) -> HTTPResponse:
    """Done; the bot comes back with the closing question."""
    return await _act(request, escalation_id, "resolve")


@bp.post("/api/escalations/<escalation_id:int>/handback")
@requires("agent")
async def handback(request: Request, escalation_id: int) -> HTTPResponse:
    """Give the conversation back to the bot."""
    return await _act(request, escalation_id, "handback")


@bp.post("/api/escalations/<escalation_id:int>/ticket")
@requires("agent")
async def ticket(request: Request, escalation_id: int) -> HTTPResponse:
    """Convert to a ticket in the configured ticket system."""
    return await _act(request, escalation_id, "ticket")


@bp.post("/api/escalations/<escalation_id:int>/messages")
@requires("agent")
async def post_reply(request: Request, escalation_id: int) -> HTTPResponse:
    """An agent reply; stored before it is acknowledged."""
    text = body_of(request).get("text")
    if not isinstance(text, str) or not text.strip():
        return error(400, "console.empty", field="text")
    if len(text) > MAX_REPLY:
        return error(400, "console.too_long", field="text")
    field_text(text, "reply", multiline=True)  # characters by the input policy
    account = request.ctx.staff.account
    try:
        message = await ctx(request).handoff.reply(
            escalation_id=escalation_id,
            account=account,
            text=text.strip(),
            title_of=_title_of(request),
        )
    except LookupError:
        return _not_found()
    except service.NotYours:
        return error(403, "console.not_yours")
    except TransitionError as exc:
        return _conflict(exc)
    return json({"message": message}, status=201)


@bp.get("/api/tickets")
@requires("agent")
async def list_tickets(request: Request) -> HTTPResponse:
    """The local ticket register, newest first."""
    engine = ctx(request).desk.get().engine
    await note(request, "tickets")

    def rows() -> list[dict]:
        with engine.connect() as conn:
            found = conn.execute(select(tickets).order_by(tickets.c.id.desc()).limit(200)).all()
        return [
            {
                "number": r.number,
                "sink": r.sink,
                "title": r.title,
                "status": r.status,
                "created_at": r.created_at.replace(tzinfo=r.created_at.tzinfo or UTC).isoformat(),
            }
            for r in found
        ]

    return json({"tickets": await asyncio.to_thread(rows)})
