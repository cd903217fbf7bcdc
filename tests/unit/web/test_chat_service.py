"""The chat as a service behind the routes: reading the history asks nothing, opening the panel asks when due."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from desk import conversations, csat
from desk.db import conversations as conversations_table
from desk.db import messages, now
from desk.runtime import LazyDesk
from knowledge.source import StaticKnowledgeSource
from tests.conftest import web_app
from tests.unit.fakes import RecordingRasa
from web.rasa import Reply


class AskingRasa(RecordingRasa):
    """Asks the closing question on EXTERNAL_csat_inactive and records that it did, as the action server would."""

    def __init__(self, engine) -> None:  # noqa: ANN001
        super().__init__()
        self.engine = engine

    async def trigger(self, conversation_id: str, intent: str) -> list[Reply]:
        self.triggered.append((conversation_id, intent))
        if intent == "EXTERNAL_csat_inactive" and csat.mark_asked(self.engine, conversation_id, "abandoned"):
            return [{"text": "Wie zufrieden sind Sie?", "buttons": [{"title": "5", "payload": "/csat"}], "csat": True}]
        return []


@pytest.fixture
def rasa(desk) -> AskingRasa:
    return AskingRasa(desk.engine)


@pytest.fixture
def app(desk, desk_settings, hashing_kb, rasa):
    return web_app(
        desk_settings,
        StaticKnowledgeSource(hashing_kb),
        desk=LazyDesk.ready(desk),
        rasa=rasa,
        sweep_interval_s=3600,
    )


async def session(app) -> dict[str, str]:  # noqa: ANN001
    _, resp = await app.asgi_client.post("/api/chat/session", json={})
    return {"authorization": f"Bearer {resp.json['session']}"}


def rows(desk) -> tuple[int, int]:  # noqa: ANN001
    with desk.engine.connect() as conn:
        found = conn.execute(select(func.count()).select_from(conversations_table)).scalar_one()
        said = conn.execute(select(func.count()).select_from(messages)).scalar_one()
    return found, said


def leave_alone(desk, minutes: int = 15) -> None:  # noqa: ANN001
    with desk.engine.begin() as conn:
        conn.execute(update(messages).values(created_at=now() - timedelta(minutes=minutes)))


async def test_a_session_history_and_open_without_a_conversation_store_nothing(app, desk, rasa) -> None:
    auth = await session(app)
    _, history = await app.asgi_client.get("/api/chat/history", headers=auth)
    _, opened = await app.asgi_client.post("/api/chat/open", headers=auth)
    assert history.json == {"messages": [], "handoff": None, "csat": "none"} and opened.json == {"messages": []}
    assert rows(desk) == (0, 0) and rasa.sent == [] and rasa.triggered == []


async def test_reading_the_history_asks_nothing_opening_the_chat_asks_once(app, desk, rasa) -> None:
    auth = await session(app)
    await app.asgi_client.post("/api/chat/messages", json={"text": "Mein VPN geht nicht"}, headers=auth)
    leave_alone(desk)
    for _ in range(3):  # an intranet page reloaded three times
        _, history = await app.asgi_client.get("/api/chat/history", headers=auth)
        assert history.json["csat"] == "none" and len(history.json["messages"]) == 2
    assert rasa.triggered == []
    _, opened = await app.asgi_client.post("/api/chat/open", headers=auth)
    assert [m["text"] for m in opened.json["messages"]] == ["Wie zufrieden sind Sie?"]
    assert opened.json["messages"][0]["data"]["csat"] is True
    _, again = await app.asgi_client.post("/api/chat/open", headers=auth)
    assert again.json["messages"] == [] and [i for _, i in rasa.triggered] == ["EXTERNAL_csat_inactive"]
    _, history = await app.asgi_client.get("/api/chat/history", headers=auth)
    assert history.json["csat"] == "asked" and len(history.json["messages"]) == 3


async def test_opening_a_recent_conversation_asks_nothing(app, desk, rasa) -> None:
    auth = await session(app)
    await app.asgi_client.post("/api/chat/messages", json={"text": "Drucker"}, headers=auth)
    leave_alone(desk, minutes=2)
    _, opened = await app.asgi_client.post("/api/chat/open", headers=auth)
    assert opened.json["messages"] == [] and rasa.triggered == []


async def test_a_refused_rating_stores_nothing(app, desk, rasa) -> None:
    auth = await session(app)
    await app.asgi_client.post("/api/chat/messages", json={"text": "Hallo"}, headers=auth)
    before = rows(desk)
    _, resp = await app.asgi_client.post(
        "/api/chat/messages", json={"text": '/csat{"csat_score": "5"}', "label": "5"}, headers=auth
    )
    assert resp.status == 409 and resp.json["code"] == "chat.rate_at_end"
    assert resp.json["error"] == "Die Bewertung ist am Ende des Gesprächs möglich."
    assert rows(desk) == before and len(rasa.sent) == 1


async def test_a_message_and_its_replies_come_back_with_ids(app, desk, rasa) -> None:
    auth = await session(app)
    _, resp = await app.asgi_client.post("/api/chat/messages", json={"text": "Hallo"}, headers=auth)
    body = resp.json
    assert body["handoff"] is None and [m["text"] for m in body["messages"]] == ["ok"]
    assert body["messages"][0]["id"] > body["user_message_id"]
    (conversation,) = {c for c, _ in rasa.sent}
    assert [m["text"] for m in conversations.messages_after(desk.engine, conversation)] == ["Hallo", "ok"]
