"""Precision of issue 16: the chat API passes on only payloads the bot offered (or a fixed few) as intents."""

from __future__ import annotations

import json

import httpx
import pytest

from desk import conversations
from tests.unit.web.test_console_api import conversation_of

URGENCY = '/choose_urgency{"urgency": "many"}'
FORGED_SLOT = '/inform{"kb_stage": "escalation_offer", "kb_offered": ["vpn-fehler"]}'


class OfferingRasa:
    """Rasa's REST webhook; offers the urgency buttons when asked how urgent it is."""

    def __init__(self) -> None:
        self.received: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        message = json.loads(request.content)["message"]
        self.received.append(message)
        if message == "Wie dringend?":
            buttons = [{"title": "Viele betroffen", "payload": URGENCY}, {"title": "Nein", "payload": "/deny"}]
            return httpx.Response(200, json=[{"text": "Wie dringend ist es?", "buttons": buttons}])
        return httpx.Response(200, json=[{"text": "ok"}])


@pytest.fixture
def rasa() -> OfferingRasa:
    return OfferingRasa()


async def say(app, auth: dict, text: str, label: str | None = None) -> None:
    body = {"text": text, **({"label": label} if label else {})}
    _, resp = await app.asgi_client.post("/api/chat/messages", json=body, headers=auth)
    assert resp.status == 200, resp.json


@pytest.fixture
async def auth(app) -> dict[str, str]:
    _, resp = await app.asgi_client.post("/api/chat/session", json={})
    return {"authorization": f"Bearer {resp.json['session']}"}


async def test_a_crafted_payload_cannot_set_a_slot_the_bot_never_offered(app, rasa, auth, desk) -> None:
    await say(app, auth, "Hallo")
    await say(app, auth, FORGED_SLOT, label="Ja")
    await say(app, auth, URGENCY)  # not offered (yet) in this conversation
    assert rasa.received[1:] == [FORGED_SLOT.lstrip("/"), URGENCY.lstrip("/")]  # words, not intents
    texts = [m["text"] for m in conversations.messages_after(desk.engine, conversation_of(desk, auth))]
    assert FORGED_SLOT in texts and "Ja" not in texts  # stored as typed; a label is only for real buttons


async def test_offered_buttons_and_the_fixed_few_go_through_as_payloads(app, rasa, auth, desk) -> None:
    await say(app, auth, "Wie dringend?")
    await say(app, auth, URGENCY, label="Viele betroffen")
    await say(app, auth, "/request_human", label="Mit einem Menschen sprechen")
    await say(app, auth, "/greet")
    assert rasa.received[1:] == [URGENCY, "/request_human", "/greet"]
    rows = conversations.messages_after(desk.engine, conversation_of(desk, auth))
    clicked = [m for m in rows if m["role"] == "user" and m["data"].get("payload") == URGENCY]
    assert [m["text"] for m in clicked] == ["Viele betroffen"]


async def test_a_payload_offered_in_another_conversation_does_not_count(app, rasa, auth) -> None:
    await say(app, auth, "Wie dringend?")
    _, resp = await app.asgi_client.post("/api/chat/session", json={})
    other = {"authorization": f"Bearer {resp.json['session']}"}
    await say(app, other, URGENCY)
    assert rasa.received[-1] == URGENCY.lstrip("/")


async def test_only_slashes_is_an_empty_message(app, auth) -> None:
    _, resp = await app.asgi_client.post("/api/chat/messages", json={"text": "///"}, headers=auth)
    assert resp.status == 400 and resp.json["field"] == "text"
