"""``GET /chat`` (full-screen chat page), ``POST /api/chat/messages``, and the conversation's history/events."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, file, json

from desk import conversations, escalations
from desk.identity import conversation_id, pseudonym
from desk.notices import notice
from desk.runtime import Desk
from web.chat import service
from web.console.service import wake_if_pending

bp = Blueprint("chat")
STATIC = Path(__file__).resolve().parent.parent / "static"
COOKIE = "sd_session"
POLL_S = 25.0
ERRORS = {
    "empty": ("Bitte geben Sie eine Nachricht ein.", "Please enter a message."),
    "too_long": ("Die Nachricht ist zu lang.", "The message is too long."),
}
ASSETS = {
    "chat.js": "text/javascript",
    "chat.css": "text/css",
    "console.js": "text/javascript",
    "console.css": "text/css",
}


@bp.get("/chat")
async def chat_page(_request: Request) -> HTTPResponse:
    """The chat, full screen."""
    return await file(STATIC / "chat.html", mime_type="text/html; charset=utf-8")


@bp.get("/static/<name:str>")
async def static(_request: Request, name: str) -> HTTPResponse:
    """Our own scripts and styles (no directory listing, no path traversal)."""
    if name not in ASSETS:
        return json({"error": "Nicht gefunden.", "error_en": "Not found."}, status=404)
    return await file(STATIC / name, mime_type=f"{ASSETS[name]}; charset=utf-8")


def _set_cookie(request: Request, resp: HTTPResponse, sender: str) -> HTTPResponse:
    # Secure cookies are only sent over https; an intranet on plain http must still keep the conversation.
    resp.add_cookie(
        COOKIE,
        sender,
        httponly=True,
        samesite="Lax",
        path="/",
        max_age=60 * 60 * 8,
        secure=request.app.ctx.settings.public_url.startswith("https://"),
    )
    return resp


def _conversation(request: Request) -> str | None:
    """The conversation behind this browser's session cookie (derived, so the id never reveals the cookie)."""
    session = service.valid_session(request.cookies.get(COOKIE))
    return conversation_id(request.app.ctx.desk.get().secret, session) if session else None


def _store_turn(
    desk: Desk, session: str, conversation: str, user_text: str, label: str
) -> tuple[int, escalations.Escalation | None]:
    """Register the conversation and store the employee's message before anything else happens."""
    conversations.ensure_conversation(desk.engine, conversation, pseudonym(desk.secret, f"anon:{session}"))
    data = {"payload": user_text} if label != user_text else {}
    mid = conversations.add_message(desk.engine, conversation, "user", label, data)
    return mid, escalations.active_for(desk.engine, conversation)


@bp.post("/api/chat/messages")
async def post_message(request: Request) -> HTTPResponse:
    """Store and relay one message; the conversation id lives in an HttpOnly cookie the client cannot choose.

    While the conversation is queued for or held by an agent the bot is paused: the message is stored for the
    agent (and still recorded in Rasa's tracker), and the answer comes from the agent through the events.
    """
    settings = request.app.ctx.settings
    try:
        body = request.json if (request.content_type or "").startswith("application/json") else None
    except Exception:  # noqa: BLE001 - Sanic raises its own BadRequest on broken JSON
        body = None
    body = body if isinstance(body, dict) else {}
    try:
        text = service.clean_text(body.get("text"), settings.max_query_chars)
    except service.ChatInputError as exc:
        de, en = ERRORS[str(exc)]
        return json({"error": de, "error_en": en, "field": "text"}, status=400)
    label = body.get("label")
    label = label.strip()[:200] if isinstance(label, str) and label.strip() and text.startswith("/") else text
    session = service.valid_session(request.cookies.get(COOKIE)) or service.new_session_id()
    desk = request.app.ctx.desk.get()
    sender = conversation_id(desk.secret, session)
    user_id, held = await asyncio.to_thread(_store_turn, desk, session, sender, text, label)
    if held is not None:
        # Queued for or held by an agent: stored for the agent, not sent to Rasa at all (Rasa is paused,
        # and a long handoff could outlive Rasa's session and wake the bot).
        waiting: list[tuple[str, str, dict]] = [("system", notice("still_waiting", held.language), {})]
        items: list[tuple[str, str, dict]] = waiting if held.status == "waiting" else []
        return _set_cookie(request, json(await _reply_body(desk, sender, user_id, items)), session)
    await wake_if_pending(desk, request.app.ctx.http, sender)
    try:
        replies = await service.relay(
            http=request.app.ctx.http,
            rasa_url=settings.rasa_url,
            public_url=settings.public_url,
            sender=sender,
            text=text,
        )
    except service.UpstreamError:
        error = {
            "error": "Der Assistent ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.",
            "error_en": "The assistant is not reachable right now. Please try again shortly.",
        }
        return _set_cookie(request, json(error, status=502), session)
    items = [("bot", r.get("text", ""), {k: v for k, v in r.items() if k != "text"}) for r in replies]
    return _set_cookie(request, json(await _reply_body(desk, sender, user_id, items)), session)


async def _reply_body(desk: Desk, sender: str, user_id: int, items: list) -> dict:
    """Store the answers, then return them with their ids and the handoff state."""
    ids = await asyncio.to_thread(conversations.add_messages, desk.engine, sender, items) if items else []
    stored = await asyncio.to_thread(conversations.messages_after, desk.engine, sender, user_id) if ids else []
    held = await asyncio.to_thread(escalations.active_for, desk.engine, sender)
    return {
        "user_message_id": user_id,
        "messages": [m for m in stored if m["id"] in ids],
        "handoff": held.status if held else None,
    }


@bp.get("/api/chat/history")
async def history(request: Request) -> HTTPResponse:
    """The whole conversation of this browser (empty without a session)."""
    sender = _conversation(request)
    if not sender:
        return json({"messages": [], "handoff": None})
    engine = request.app.ctx.desk.get().engine
    found = await asyncio.to_thread(conversations.messages_after, engine, sender, 0, 2000)
    held = await asyncio.to_thread(escalations.active_for, engine, sender)
    return json({"messages": found, "handoff": held.status if held else None})


@bp.get("/api/chat/events")
async def events(request: Request) -> HTTPResponse:
    """Long-poll: messages after ``?after=<id>`` (agent replies, handoff notices), within 25 s."""
    sender = _conversation(request)
    try:
        after = int(request.args.get("after", "0"))
    except ValueError:
        return json(
            {"error": "after muss eine Zahl sein.", "error_en": "after must be a number.", "field": "after"}, status=400
        )
    if not sender:
        # Nothing can arrive before the first message; the page waits before asking again.
        return json({"messages": [], "handoff": None, "retry_after": POLL_S})
    engine, notifier = request.app.ctx.desk.get().engine, request.app.ctx.notifier
    deadline = asyncio.get_running_loop().time() + POLL_S
    while True:
        mark = notifier.mark()
        found = await asyncio.to_thread(conversations.messages_after, engine, sender, after)
        left = deadline - asyncio.get_running_loop().time()
        if found or left <= 0 or not await notifier.changed(left, mark):
            held = await asyncio.to_thread(escalations.active_for, engine, sender)
            return json({"messages": found, "handoff": held.status if held else None})
