"""The employee's chat: ``/widget.js``, the full-screen ``/chat`` page and ``/api/chat/*``.

A browser holds a signed session token (anonymous, or for a signed-in employee from the intranet's identity
token) and sends it as a Bearer token; the server maps it to the user's pseudonym and their open
conversation. A client can never name a conversation, so it can never read someone else's.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import wraps

from sanic import Blueprint, Request, Websocket
from sanic.response import HTTPResponse, empty, json

from desk import conversations, csat, escalations
from desk.db import now
from desk.identity import (
    ChatSession,
    IdentityError,
    employee,
    issue_session,
    new_anonymous,
    verify_identity,
)
from desk.notices import notice
from desk.runtime import Desk
from knowledge.text_policy import INT_MAX, LIMITS
from web import rasa_api
from web.chat import payloads, service
from web.chat.session import conversation_of, session_of
from web.console.service import wake_if_pending
from web.http import error
from web.input_policy import PolicyError, field_text, parse_body, query_int
from web.input_policy import body as body_of

logger = logging.getLogger(__name__)
bp = Blueprint("chat")
CHAT_API = ("session", "messages", "history", "events", "end", "new")


async def preflight(_request: Request) -> HTTPResponse:
    """CORS preflight; the headers come from the response middleware, for allowed origins only."""
    return empty(status=204)


for _name in CHAT_API:
    bp.add_route(preflight, f"/api/chat/{_name}", methods=["OPTIONS"], name=f"preflight_{_name}")


@bp.post("/api/chat/session")
async def open_session(request: Request) -> HTTPResponse:
    """A session for this browser: from the intranet's identity token, the previous session, or a new one."""
    desk: Desk = request.app.ctx.desk.get()
    settings = request.app.ctx.settings
    body = body_of(request)
    identity = field_text(body.get("identity"), "identity", required=False)
    previous_token = field_text(body.get("session"), "session", required=False)
    if identity:
        config = settings.identity
        try:
            person = verify_identity(
                identity,
                config.secret.get_secret_value().encode(),
                audience=config.audience,
                issuer=config.issuer,
                leeway_s=config.leeway_s,
            )
        except IdentityError as exc:
            logger.info("identity token refused: %s", exc)
            return error(401, "chat.identity")
        session = employee(desk.secret, person.sub)
        # A working day at most, and never longer than the intranet's own token.
        ttl = max(60, min(12 * 3600, int(person.exp - time.time())))
    else:
        found = session_of(request, previous_token)
        # Only anonymous sessions are renewed: an employee's needs the intranet's token again (shared PCs).
        session = found if found is not None and found.kind == "a" else new_anonymous()
        ttl = settings.chat.session_days * 86400
    token = issue_session(desk.secret, session, ttl)
    return json({"session": token, "user": "employee" if session.kind == "e" else "anonymous"})


def chat_session(handler: Callable[..., Awaitable[HTTPResponse]]) -> Callable[..., Awaitable[HTTPResponse]]:
    """401 without a valid chat session; otherwise the handler gets ``desk`` and ``session``."""

    @wraps(handler)
    async def guarded(request: Request) -> HTTPResponse:
        session = session_of(request)
        if session is None:
            return error(401, "chat.no_session")
        return await handler(request, request.app.ctx.desk.get(), session)

    return guarded


def _csat_refusal(desk: Desk, conversation: str) -> str | None:
    """A rating is taken only after the question was asked, and not while an agent has the conversation."""
    if escalations.active_for(desk.engine, conversation) is not None:
        return "chat.rate_later"
    if not conversations.state(desk.engine, conversation)["csat_asked"]:
        return "chat.rate_at_end"
    return None


def _store_user_turn(desk: Desk, conversation: str, text: str, label: str) -> tuple[int, escalations.Escalation | None]:
    data = {"payload": text} if label != text else {}
    mid = conversations.add_message(desk.engine, conversation, "user", label, data)
    return mid, escalations.active_for(desk.engine, conversation)


async def _stored_reply(desk: Desk, conversation: str, after: int, items: list[tuple[str, str, dict]]) -> dict:
    """Store the answers, then return them with their ids and the handoff state."""
    ids = await asyncio.to_thread(conversations.add_messages, desk.engine, conversation, items) if items else []
    stored = await asyncio.to_thread(conversations.messages_after, desk.engine, conversation, after) if ids else []
    held = await asyncio.to_thread(escalations.active_for, desk.engine, conversation)
    return {
        "user_message_id": after,
        "messages": [m for m in stored if m["id"] in ids],
        "handoff": held.status if held else None,
    }


def _bot_items(replies: list[dict]) -> list[tuple[str, str, dict]]:
    return [("bot", r.get("text", ""), {k: v for k, v in r.items() if k != "text"}) for r in replies]


@bp.post("/api/chat/messages")
@chat_session
async def post_message(request: Request, desk: Desk, session: ChatSession) -> HTTPResponse:
    """Store and relay one message.

    While the conversation is queued for or held by an agent the bot is paused: the message is stored for the
    agent and not sent to Rasa; the answer comes from the agent through the events.
    """
    settings = request.app.ctx.settings
    body = body_of(request)
    try:
        text = service.clean_text(body.get("text"), settings.knowledge.max_query_chars)
    except service.ChatInputError as exc:
        return error(400, f"chat.{exc}", field="text")
    if text.startswith("/EXTERNAL_"):
        return error(400, "chat.not_allowed", field="text")
    conversation = await conversation_of(desk, session, create=True)
    assert conversation is not None
    rasa_text, label = text, text
    if payloads.is_payload(text):
        offered = await asyncio.to_thread(payloads.offered, desk.engine, conversation)
        if payloads.accepted(text, offered):
            # The button's title is what the employee saw; it is stored for the history.
            label = field_text(body.get("label"), "label", required=False) or text
        else:
            rasa_text = payloads.as_plain_text(text)
            if not rasa_text:
                return error(400, "chat.empty", field="text")
    if rasa_text.startswith("/csat"):
        refused = await asyncio.to_thread(_csat_refusal, desk, conversation)
        if refused:
            return error(409, refused)
    user_id, held = await asyncio.to_thread(_store_user_turn, desk, conversation, text, label)
    if held is not None:
        waiting: list[tuple[str, str, dict]] = [("system", notice("still_waiting", held.language), {})]
        return json(await _stored_reply(desk, conversation, user_id, waiting if held.status == "waiting" else []))
    await wake_if_pending(desk, settings.servers, request.app.ctx.http, conversation)
    try:
        replies = await service.relay(
            http=request.app.ctx.http,
            rasa_url=settings.servers.rasa_url,
            public_url=settings.servers.public_url,
            sender=conversation,
            text=rasa_text,
        )
    except service.UpstreamError:
        return error(502, "chat.upstream")
    return json(await _stored_reply(desk, conversation, user_id, _bot_items(replies)))


async def _trigger(request: Request, desk: Desk, conversation: str, intent: str) -> list[tuple[str, str, dict]]:
    settings = request.app.ctx.settings
    try:
        replies = await rasa_api.trigger(
            request.app.ctx.http, settings.servers.rasa_url, settings.servers.public_url, conversation, intent
        )
    except service.UpstreamError as exc:
        logger.error("Rasa did not take %s (%s)", intent, exc)
        return []
    return _bot_items(replies)


async def _ask_after_inactivity(request: Request, desk: Desk, conversation: str) -> None:
    """The closing question for a conversation left alone: shown when the chat is opened again."""
    state = await asyncio.to_thread(conversations.state, desk.engine, conversation)
    quiet = state["last_activity"] and now() - state["last_activity"] >= timedelta(
        seconds=request.app.ctx.settings.chat.csat_inactivity_s
    )
    if quiet and state["user_messages"] and not state["csat_asked"]:
        if await asyncio.to_thread(escalations.active_for, desk.engine, conversation) is None:
            items = await _trigger(request, desk, conversation, "EXTERNAL_csat_inactive")
            if items:
                await asyncio.to_thread(conversations.add_messages, desk.engine, conversation, items)


@bp.get("/api/chat/history")
@chat_session
async def history(request: Request, desk: Desk, session: ChatSession) -> HTTPResponse:
    """The open conversation of this session (empty when there is none yet)."""
    conversation = await conversation_of(desk, session, create=False)
    if conversation is None:
        return json({"messages": [], "handoff": None, "csat": "none"})
    await _ask_after_inactivity(request, desk, conversation)
    rows = await asyncio.to_thread(conversations.messages_after, desk.engine, conversation, 0, 2000)
    held = await asyncio.to_thread(escalations.active_for, desk.engine, conversation)
    state = await asyncio.to_thread(conversations.state, desk.engine, conversation)
    rated = await asyncio.to_thread(_rated, desk, conversation)
    csat = "answered" if rated else ("asked" if state["csat_asked"] else "none")
    return json({"messages": rows, "handoff": held.status if held else None, "csat": csat})


def _rated(desk: Desk, conversation: str) -> bool:
    return csat.rating_of(desk.engine, conversation) is not None


async def _wait_for_messages(request: Request, desk: Desk, session: ChatSession, after: int, timeout: float) -> dict:
    notifier = request.app.ctx.notifier
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        mark = notifier.mark()
        conversation = await conversation_of(desk, session, create=False)
        found = (
            await asyncio.to_thread(conversations.messages_after, desk.engine, conversation, after)
            if conversation
            else []
        )
        left = deadline - asyncio.get_running_loop().time()
        if found or left <= 0 or not await notifier.changed(left, mark):
            held = await asyncio.to_thread(escalations.active_for, desk.engine, conversation) if conversation else None
            return {"messages": found, "handoff": held.status if held else None}


@bp.get("/api/chat/events")
@chat_session
async def events(request: Request, desk: Desk, session: ChatSession) -> HTTPResponse:
    """Long-poll (the WebSocket's fallback): messages after ``?after=<id>``, within 25 s."""
    after = query_int(request, "after")
    return json(await _wait_for_messages(request, desk, session, after, request.app.ctx.settings.servers.long_poll_s))


def hello(frame: str | bytes | None) -> tuple[str, int]:
    """The WebSocket's first frame ``{"session": "<token>", "after": <id>}`` by the input policy.

    Raises :class:`PolicyError` for anything else (broken or deeply nested JSON, an ``after`` that is not a
    whole number within 64 bit, a session that is not a short string).
    """
    raw = frame.encode("utf-8", "surrogatepass") if isinstance(frame, str) else (frame or b"{}")
    if len(raw) > 8192:
        raise PolicyError("too_long", "frame")
    first = parse_body(raw)
    if not isinstance(first, dict):
        raise PolicyError("json", "frame")
    after = first.get("after", 0)
    if after is None:
        after = 0
    if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after <= INT_MAX:
        raise PolicyError("int", "after")
    token = first.get("session") or ""
    if not isinstance(token, str) or len(token) > LIMITS["session"]:
        raise PolicyError("type", "session")
    return token, after


@bp.websocket("/api/chat/ws")
async def socket(request: Request, ws: Websocket) -> None:
    """Push new messages (agent replies, notices, bot answers from other tabs) as they are stored."""
    origin = request.headers.get("origin")
    if origin and origin.rstrip("/") not in request.app.ctx.settings.servers.allowed_origin_set:
        await ws.close(code=4403, reason="origin not allowed")
        return
    try:
        token, after = hello(await ws.recv(timeout=10))
    except (TimeoutError, PolicyError):
        await ws.close(code=4400, reason="expected {session, after}")
        return
    session = session_of(request, token)
    if session is None:
        await ws.close(code=4401, reason="session expired")
        return
    desk: Desk = request.app.ctx.desk.get()
    while True:
        batch = await _wait_for_messages(request, desk, session, after, request.app.ctx.settings.servers.long_poll_s)
        if batch["messages"]:
            after = batch["messages"][-1]["id"]
            await ws.send(jsonlib.dumps({"type": "messages", **batch}))
        else:
            await ws.send(jsonlib.dumps({"type": "ping"}))


@bp.post("/api/chat/end")
@chat_session
async def end_conversation(request: Request, desk: Desk, session: ChatSession) -> HTTPResponse:
    """End the conversation ("Gespräch beenden"): the closing question, once per conversation."""
    conversation = await conversation_of(desk, session, create=False)
    if conversation is None:
        return json({"messages": []})
    if await asyncio.to_thread(escalations.active_for, desk.engine, conversation) is not None:
        return error(409, "chat.agent_ends")
    items = await _trigger(request, desk, conversation, "EXTERNAL_end_conversation")
    stored = await _stored_reply(desk, conversation, 0, items)
    return json({"messages": stored["messages"]})


@bp.post("/api/chat/new")
@chat_session
async def new_conversation(request: Request, desk: Desk, session: ChatSession) -> HTTPResponse:
    """Start over ("Neues Gespräch"): the open conversation ends; the next message starts a new one."""
    conversation = await conversation_of(desk, session, create=False)
    if conversation is not None:
        if await asyncio.to_thread(escalations.active_for, desk.engine, conversation) is not None:
            return error(409, "chat.with_agent")
        await asyncio.to_thread(conversations.end, desk.engine, conversation)
    return json({"messages": []})


def cors_headers(request: Request, response: HTTPResponse) -> None:
    """Allow the intranet origins configured in SERVICEDESK_ALLOWED_ORIGINS to use the chat API."""
    origin = request.headers.get("origin")
    if not origin or not request.path.startswith("/api/chat/"):
        return
    if origin.rstrip("/") in request.app.ctx.settings.servers.allowed_origin_set:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Max-Age"] = "600"
    response.headers["Vary"] = "Origin"


__all__ = ["bp", "cors_headers"]
