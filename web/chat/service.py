"""Relay one employee message to Rasa's REST channel and return the bot's replies."""

from __future__ import annotations

from typing import Any

import httpx

from knowledge.text_policy import char_problem


class ChatInputError(ValueError):
    """The message cannot be sent as it is."""


class UpstreamError(RuntimeError):
    """Rasa did not answer."""


def clean_text(raw: Any, limit: int) -> str:
    """A non-empty string no longer than ``limit``."""
    if not isinstance(raw, str) or not raw.strip():
        raise ChatInputError("empty")
    text = raw.strip()
    if len(text) > limit:
        raise ChatInputError("too_long")
    if char_problem(text, multiline=True):
        raise ChatInputError("characters")
    return text


def shape_reply(message: dict[str, Any], public_url: str) -> dict[str, Any]:
    """Keep only what the page renders; article links only to our own pages."""
    out: dict[str, Any] = {"text": str(message.get("text") or "")}
    buttons = message.get("buttons") or []
    if buttons:
        out["buttons"] = [{"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))} for b in buttons]
    custom = message.get("custom")
    if isinstance(custom, dict) and custom.get("type") == "article":
        url = str(custom.get("url", ""))
        if url.startswith(public_url.rstrip("/") + "/kb/"):
            out["article"] = {"title": str(custom.get("title", "")), "url": url, "slug": str(custom.get("slug", ""))}
    if isinstance(custom, dict) and custom.get("type") == "csat":
        out["csat"] = True  # the five buttons are the closing question
    return out


async def relay(*, http: httpx.AsyncClient, rasa_url: str, public_url: str, sender: str, text: str) -> list[dict]:
    """Send to Rasa's REST webhook; merge the article card into the message before it."""
    try:
        resp = await http.post(f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text})
    except httpx.HTTPError as exc:
        raise UpstreamError(exc.__class__.__name__) from exc
    if resp.status_code != 200:
        raise UpstreamError(f"HTTP {resp.status_code}")
    try:
        messages = resp.json()
    except ValueError as exc:
        raise UpstreamError("reply is not JSON") from exc
    if not isinstance(messages, list):
        raise UpstreamError("reply is not a list")
    return shape_replies(messages, public_url)


def shape_replies(messages: list[Any], public_url: str) -> list[dict]:
    """Shape Rasa's bot messages for the page."""
    replies: list[dict] = []
    for message in messages:
        if not isinstance(message, dict):
            continue
        shaped = shape_reply(message, public_url)
        extra = {k: v for k, v in shaped.items() if k in ("article", "csat")}
        if extra and not shaped["text"] and "buttons" not in shaped and replies:
            replies[-1].update(extra)  # Rasa sends a card after its text: one message for the page
        elif shaped["text"] or "buttons" in shaped:
            replies.append(shaped)
    return replies
