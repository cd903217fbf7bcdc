"""Talking to Rasa (loopback only): the ``RasaClient`` Protocol the chat and the handoff use, and its HTTP client.

``create_app`` takes any RasaClient (unit tests pass a stand-in); :class:`HttpRasaClient` speaks Rasa's REST
channel and HTTP API. Replies are shaped for the page: text, buttons, and article cards that link only to our
own ``/kb/`` pages. The request id of the turn goes along (``X-Request-ID``, and in the REST message's
``metadata``, which Rasa hands on to the action server).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from ops.logs import HEADER, METADATA_KEY, current_request_id

# The keyed hash of the client address of the chat request being relayed (the unlock's per-client limit reads it
# from the message metadata; never the address itself, which would land in Rasa's history).
CLIENT_KEY = "client"
_CLIENT: ContextVar[str] = ContextVar("rasa_client", default="")


def set_client(client_hash: str) -> None:
    """Make ``client_hash`` the client of the messages this task relays to Rasa (the chat route)."""
    _CLIENT.set(client_hash)


Reply = dict[str, Any]  # {"text": ..., "buttons"?: [...], "article"?: {...}, "csat"?: True}


class UpstreamError(RuntimeError):
    """Rasa did not answer (or not as its API says)."""


class RasaClient(Protocol):
    """What the web service asks of Rasa."""

    async def send(self, conversation_id: str, text: str) -> list[Reply]:
        """One employee message through the REST channel; the bot's replies."""
        ...

    async def trigger(self, conversation_id: str, intent: str) -> list[Reply]:
        """Make the bot react to an external event (an ``EXTERNAL_...`` intent); the bot's replies."""
        ...

    async def resume(self, conversation_id: str) -> None:
        """Un-pause a conversation the escalation paused, so the bot answers again."""
        ...

    async def status(self) -> tuple[bool, str]:
        """Whether Rasa has its model loaded (for ``/health``)."""
        ...


class Upstream:
    """The HTTP client for the loopback services (Rasa, the action server), made once per server cycle."""

    def __init__(self, timeout: float = 10.0, transport: httpx.AsyncBaseTransport | None = None) -> None:
        """``transport`` replaces the network (unit tests)."""
        self.timeout = timeout
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    def client(self) -> httpx.AsyncClient:
        """The client, made on first use inside the running loop."""
        if self._client is None or self._client.is_closed:
            self._client = httpx.AsyncClient(timeout=self.timeout, transport=self._transport)
        return self._client

    async def aclose(self) -> None:
        """Close the connections (at server stop; the next cycle makes a new client)."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None


class HttpRasaClient:
    """Rasa's REST webhook and HTTP API over loopback."""

    def __init__(self, upstream: Upstream, rasa_url: str, public_url: str) -> None:
        """``public_url`` decides which article links are ours."""
        self.upstream = upstream
        self.rasa_url = rasa_url.rstrip("/")
        self.public_url = public_url

    async def _post(self, path: str, body: object) -> httpx.Response:
        request_id = current_request_id()
        headers = {HEADER: request_id} if request_id else None
        try:
            resp = await self.upstream.client().post(f"{self.rasa_url}{path}", json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise UpstreamError(exc.__class__.__name__) from exc
        if resp.status_code != 200:
            raise UpstreamError(f"{path.split('?')[0].rsplit('/', 1)[-1]}: HTTP {resp.status_code}")
        return resp

    async def send(self, conversation_id: str, text: str) -> list[Reply]:
        """Send to Rasa's REST webhook; merge an article card into the message before it."""
        message: dict[str, Any] = {"sender": conversation_id, "message": text}
        metadata = {METADATA_KEY: current_request_id(), CLIENT_KEY: _CLIENT.get()}
        if metadata := {k: v for k, v in metadata.items() if v}:
            message["metadata"] = metadata
        resp = await self._post("/webhooks/rest/webhook", message)
        try:
            messages = resp.json()
        except ValueError as exc:
            raise UpstreamError("reply is not JSON") from exc
        if not isinstance(messages, list):
            raise UpstreamError("reply is not a list")
        return shape_replies(messages, self.public_url)

    async def trigger(self, conversation_id: str, intent: str) -> list[Reply]:
        """``trigger_intent``; returns the bot's messages, shaped."""
        path = f"/conversations/{quote(conversation_id, safe='')}/trigger_intent?include_events=NONE"
        resp = await self._post(path, {"name": intent, "entities": {}})
        try:
            messages = resp.json().get("messages") or []
        except (ValueError, AttributeError) as exc:
            raise UpstreamError("trigger: reply is not JSON") from exc
        return shape_replies(messages, self.public_url)

    async def resume(self, conversation_id: str) -> None:
        """Resume, then a listen step.

        While paused, Rasa logged the employee's messages without predicting; the listen step makes the tracker
        look like a normal turn again, so rules match the next message or external intent.
        """
        path = f"/conversations/{quote(conversation_id, safe='')}/tracker/events?include_events=NONE"
        await self._post(path, [{"event": "resume"}, {"event": "action", "name": "action_listen"}])

    async def status(self) -> tuple[bool, str]:
        """Rasa answers ``/status`` with a loaded model."""
        try:
            resp = await self.upstream.client().get(f"{self.rasa_url}/status", timeout=3.0)
        except httpx.HTTPError as exc:
            return False, f"not reachable ({exc.__class__.__name__})"
        if resp.status_code != 200:
            return False, f"HTTP {resp.status_code}"
        try:
            body = resp.json()
        except ValueError:
            return False, "answer is not JSON"
        if not isinstance(body, dict) or (not body.get("model_id") and not body.get("fingerprint")):
            return False, "no model loaded"
        return True, "model loaded"


def shape_reply(message: dict[str, Any], public_url: str) -> Reply:
    """Keep only what the page renders; article links only to our own pages."""
    out: Reply = {"text": str(message.get("text") or "")}
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


def shape_replies(messages: list[Any], public_url: str) -> list[Reply]:
    """Shape Rasa's bot messages for the page."""
    replies: list[Reply] = []
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
