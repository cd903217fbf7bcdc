"""The employee's chat API ``/api/chat/*``: parse, call :class:`web.chat.service.ChatService`, render.

A browser holds a signed session token (anonymous, or for a signed-in employee from the intranet's identity
token) and sends it as a Bearer token; the server maps it to the user's pseudonym and their open conversation.
A client can never name a conversation, so it can never read someone else's.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import logging
import time
from collections.abc import Awaitable, Callable
from functools import wraps

from sanic import Blueprint, Request, Websocket
from sanic.response import HTTPResponse, empty, json

from desk.db import now
from desk.identity import ChatSession, IdentityError, employee, issue_session, new_anonymous, verify_configured
from desk.knowledge_stats import most_shown
from desk.unlock_records import keyed
from knowledge.source import KnowledgeUnavailable
from knowledge.text_policy import INT_MAX, LIMITS
from web.auth.client import client_address
from web.chat import welcome as empty_state
from web.chat.screenshots import screenshot, uploaded
from web.chat.service import ChatRefused
from web.chat.session import session_of
from web.context import ctx
from web.http import body, error, field_text, query_int
from web.input_policy import PolicyError, parse_body
from web.metrics.turns import refused_outcome, turn_outcome
from web.rasa import set_client

logger = logging.getLogger(__name__)
bp = Blueprint("chat")
CHAT_API = ("session", "messages", "attachments", "history", "open", "events", "end", "new", "withdraw", "welcome")


async def preflight(_request: Request) -> HTTPResponse:
    """CORS preflight; the headers come from the response middleware, for allowed origins only."""
    return empty(status=204)


for _name in CHAT_API:
    bp.add_route(preflight, f"/api/chat/{_name}", methods=["OPTIONS"], name=f"preflight_{_name}")


def refused(exc: ChatRefused) -> HTTPResponse:
    """A refusal of the chat service as the API's error answer."""
    if exc.field:
        return error(exc.status, exc.code, field=exc.field)
    return error(exc.status, exc.code)


@bp.post("/api/chat/session")
async def open_session(request: Request) -> HTTPResponse:
    """A session for this browser: from the intranet's identity token, the previous session, or a new one.

    Nothing is stored: the token alone is the session (a conversation starts with the first message).
    """
    app = ctx(request)
    secret = app.desk.get().secret
    given = body(request)
    identity = field_text(given.get("identity"), "identity", required=False)
    previous_token = field_text(given.get("session"), "session", required=False)
    if identity:
        try:
            person = verify_configured(identity, app.settings.identity)
        except IdentityError as exc:
            logger.info("identity token refused: %s", exc)
            return error(401, "chat.identity")
        session = employee(secret, person.sub)
        # A working day at most, and never longer than the intranet's own token.
        ttl = max(60, min(12 * 3600, int(person.exp - time.time())))
    else:
        found = session_of(request, previous_token)
        # Only anonymous sessions are renewed: an employee's needs the intranet's token again (shared PCs).
        session = found if found is not None and found.kind == "a" else new_anonymous()
        ttl = app.settings.chat.session_days * 86400
    token = issue_session(secret, session, ttl)
    return json({"session": token, "user": "employee" if session.kind == "e" else "anonymous"})


@bp.get("/api/chat/welcome")
async def welcome(request: Request) -> HTTPResponse:
    """The empty state: six starter topics, the service hours (open now?) and the privacy notice's facts.

    Public, like the article pages: no session needed, nothing stored. ``?lang=de|en`` (default de).
    """
    language = request.args.get("lang", "de")
    if language not in ("de", "en"):
        return error(400, "chat.language", field="lang")
    app = ctx(request)
    try:
        articles = (await asyncio.to_thread(app.knowledge.get)).articles()
        shown = await asyncio.to_thread(most_shown, app.desk.get().engine, 2 * empty_state.TOPICS)
    except KnowledgeUnavailable:
        articles, shown = [], []  # hours and privacy notice still show; the topics come back with the articles
    body = empty_state.welcome(settings=app.settings, articles=articles, most_shown=shown, language=language, at=now())
    return json(body, headers={"Cache-Control": "no-store"})


Handler = Callable[[Request, ChatSession], Awaitable[HTTPResponse]]


def chat_session(handler: Handler) -> Callable[[Request], Awaitable[HTTPResponse]]:
    """401 without a valid chat session; the handler gets the session, and a refusal becomes its answer."""

    @wraps(handler)
    async def guarded(request: Request) -> HTTPResponse:
        session = session_of(request)
        if session is None:
            return error(401, "chat.no_session")
        try:
            return await handler(request, session)
        except ChatRefused as exc:
            return refused(exc)

    return guarded


@bp.post("/api/chat/messages")
@chat_session
async def post_message(request: Request, session: ChatSession) -> HTTPResponse:
    """Store and relay one message (a button's ``label`` is what the employee saw)."""
    given = body(request)
    label = field_text(given.get("label"), "label", required=False) or None
    app = ctx(request)
    address = client_address(request, app.settings.servers.trusted_proxies)
    set_client(keyed(app.chat.desk.secret, "client", address))  # the unlock's per-client limit (issue 19)
    try:
        reply = await app.chat.post_message(session=session, text=given.get("text"), label=label)
    except ChatRefused as exc:
        app.metrics.count_turn(refused_outcome(exc.status))
        raise
    app.metrics.count_turn(turn_outcome(reply))
    return json(reply)


@bp.post("/api/chat/attachments")
@chat_session
async def post_attachment(request: Request, session: ChatSession) -> HTTPResponse:
    """A screenshot as the employee's message: stored as bare pixels, its OCR text answered as their question."""
    raw, language = uploaded(request)
    app = ctx(request)
    shot = await screenshot(raw, limit=app.settings.knowledge.max_query_chars)
    return json(await app.chat.post_screenshot(session=session, shot=shot, language=language))


@bp.get("/api/chat/history")
@chat_session
async def history(request: Request, session: ChatSession) -> HTTPResponse:
    """The open conversation of this session (empty when there is none yet). Reads only."""
    return json(await ctx(request).chat.history(session=session))


@bp.post("/api/chat/open")
@chat_session
async def open_panel(request: Request, session: ChatSession) -> HTTPResponse:
    """The employee opened the chat: a conversation left alone gets the closing question now (once)."""
    return json({"messages": await ctx(request).chat.open(session=session)})


@bp.get("/api/chat/events")
@chat_session
async def events(request: Request, session: ChatSession) -> HTTPResponse:
    """Long-poll (the WebSocket's fallback): messages after ``?after=<id>``, within 25 s."""
    app = ctx(request)
    after = query_int(request, "after")
    return json(
        await app.chat.wait_for_messages(session=session, after=after, timeout=app.settings.servers.long_poll_s)
    )


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
    app = ctx(request)
    origin = request.headers.get("origin")
    if origin and origin.rstrip("/") not in app.settings.servers.allowed_origin_set:
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
    while True:
        batch = await app.chat.wait_for_messages(session=session, after=after, timeout=app.settings.servers.long_poll_s)
        if batch["messages"]:
            after = batch["messages"][-1]["id"]
            await ws.send(jsonlib.dumps({"type": "messages", **batch}))
        else:
            await ws.send(jsonlib.dumps({"type": "ping"}))


@bp.post("/api/chat/end")
@chat_session
async def end_conversation(request: Request, session: ChatSession) -> HTTPResponse:
    """End the conversation ("Gespräch beenden"): the closing question, once per conversation."""
    return json({"messages": await ctx(request).chat.end(session=session)})


@bp.post("/api/chat/new")
@chat_session
async def new_conversation(request: Request, session: ChatSession) -> HTTPResponse:
    """Start over ("Neues Gespräch"): the open conversation ends; the next message starts a new one."""
    await ctx(request).chat.new(session=session)
    return json({"messages": []})


@bp.post("/api/chat/withdraw")
@chat_session
async def withdraw_request(request: Request, session: ChatSession) -> HTTPResponse:
    """Withdraw the request still waiting for an agent ("Anfrage zurückziehen"); 409 when nothing waits."""
    return json({"messages": await ctx(request).chat.withdraw(session=session)})


def cors_headers(request: Request, response: HTTPResponse) -> None:
    """Allow the intranet origins configured in SERVICEDESK_ALLOWED_ORIGINS to use the chat API."""
    origin = request.headers.get("origin")
    if not origin or not request.path.startswith("/api/chat/"):
        return
    if origin.rstrip("/") in ctx(request).settings.servers.allowed_origin_set:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Max-Age"] = "600"
    response.headers["Vary"] = "Origin"


__all__ = ["bp", "cors_headers"]
