"""``GET /chat`` (full-screen chat page) and ``POST /api/chat/messages``."""

from __future__ import annotations

from pathlib import Path

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, file, json

from web.chat import service

bp = Blueprint("chat")
STATIC = Path(__file__).resolve().parent.parent / "static"
COOKIE = "sd_session"
ERRORS = {
    "empty": ("Bitte geben Sie eine Nachricht ein.", "Please enter a message."),
    "too_long": ("Die Nachricht ist zu lang.", "The message is too long."),
}


@bp.get("/chat")
async def chat_page(_request: Request) -> HTTPResponse:
    """The chat, full screen."""
    return await file(STATIC / "chat.html", mime_type="text/html; charset=utf-8")


@bp.get("/static/<name:str>")
async def static(_request: Request, name: str) -> HTTPResponse:
    """Our own scripts and styles (no directory listing, no path traversal)."""
    allowed = {"chat.js": "text/javascript", "chat.css": "text/css"}
    if name not in allowed:
        return json({"error": "Nicht gefunden.", "error_en": "Not found."}, status=404)
    return await file(STATIC / name, mime_type=f"{allowed[name]}; charset=utf-8")


@bp.post("/api/chat/messages")
async def post_message(request: Request) -> HTTPResponse:
    """Relay one message; the conversation id lives in an HttpOnly cookie the client cannot choose."""
    settings = request.app.ctx.settings
    try:
        body = request.json if request.content_type.startswith("application/json") else None
    except Exception:  # noqa: BLE001 - Sanic raises its own BadRequest on broken JSON
        body = None
    try:
        text = service.clean_text(body.get("text") if isinstance(body, dict) else None, settings.max_query_chars)
    except service.ChatInputError as exc:
        de, en = ERRORS[str(exc)]
        return json({"error": de, "error_en": en, "field": "text"}, status=400)
    sender = service.valid_session(request.cookies.get(COOKIE)) or service.new_session_id()
    try:
        replies = await service.relay(
            http=request.app.ctx.http,
            rasa_url=settings.rasa_url,
            public_url=settings.public_url,
            sender=sender,
            text=text,
        )
    except service.UpstreamError:
        return json(
            {
                "error": "Der Assistent ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.",
                "error_en": "The assistant is not reachable right now. Please try again shortly.",
            },
            status=502,
        )
    resp = json({"messages": replies})
    # Secure cookies are only sent over https; an intranet on plain http must still keep the conversation.
    resp.add_cookie(
        COOKIE,
        sender,
        httponly=True,
        samesite="Lax",
        path="/",
        max_age=60 * 60 * 8,
        secure=settings.public_url.startswith("https://"),
    )
    return resp
