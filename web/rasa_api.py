"""The parts of Rasa's HTTP API (loopback only) the web service uses besides the REST channel."""

from __future__ import annotations

import logging
from urllib.parse import quote

import httpx

from web.chat.service import UpstreamError, shape_replies

logger = logging.getLogger(__name__)


async def resume(http: httpx.AsyncClient, rasa_url: str, conversation_id: str) -> None:
    """Un-pause a conversation the escalation paused, so the bot answers again."""
    url = f"{rasa_url}/conversations/{quote(conversation_id, safe='')}/tracker/events?include_events=NONE"
    try:
        # While paused, Rasa logged the employee's messages without predicting; a listen step makes the
        # tracker look like a normal turn again, so rules match the next message or external intent.
        resp = await http.post(url, json=[{"event": "resume"}, {"event": "action", "name": "action_listen"}])
    except httpx.HTTPError as exc:
        raise UpstreamError(exc.__class__.__name__) from exc
    if resp.status_code != 200:
        raise UpstreamError(f"resume: HTTP {resp.status_code}")


async def trigger(
    http: httpx.AsyncClient, rasa_url: str, public_url: str, conversation_id: str, intent: str
) -> list[dict]:
    """Make the bot react to an external event (``EXTERNAL_...`` intent); returns its messages, shaped."""
    url = f"{rasa_url}/conversations/{quote(conversation_id, safe='')}/trigger_intent?include_events=NONE"
    try:
        resp = await http.post(url, json={"name": intent, "entities": {}})
    except httpx.HTTPError as exc:
        raise UpstreamError(exc.__class__.__name__) from exc
    if resp.status_code != 200:
        raise UpstreamError(f"trigger {intent}: HTTP {resp.status_code}")
    try:
        messages = resp.json().get("messages") or []
    except (ValueError, AttributeError) as exc:
        raise UpstreamError("trigger: reply is not JSON") from exc
    return shape_replies(messages, public_url)
