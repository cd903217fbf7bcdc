"""The escalation API and the employee's side of a handoff, through Sanic's test client.

The records are a real SQLite database; Rasa is an httpx mock that records what the web service tells it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from desk import accounts, conversations, escalations
from desk.db import escalations as escalations_table
from desk.identity import read_session
from desk.runtime import LazyDesk
from tests.conftest import fake_upstream, plain_settings
from web.handoff.service import HandoffService
from web.rasa import HttpRasaClient

SERVERS = plain_settings().servers


def handoff_for(desk, rasa) -> HandoffService:  # noqa: ANN001
    """The handoff service on these records, with Rasa's HTTP API answered by ``rasa``."""
    client = HttpRasaClient(fake_upstream(rasa), SERVERS.rasa_url, SERVERS.public_url)
    return HandoffService(LazyDesk.ready(desk), client, SERVERS.public_url)


class FakeRasa:
    """Answers the REST webhook, the tracker-events API and trigger_intent; remembers the calls."""

    def __init__(self, up: bool = True) -> None:
        self.calls: list[tuple[str, object]] = []
        self.up = up

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if not self.up:
            raise httpx.ConnectError("down")
        body = json.loads(request.content) if request.content else None
        self.calls.append((request.url.path, body))
        if request.url.path == "/webhooks/rest/webhook":
            return httpx.Response(200, json=[{"text": f"bot: {body['message']}"}])
        if request.url.path.endswith("/tracker/events"):
            return httpx.Response(200, json={})
        if request.url.path.endswith("/trigger_intent"):
            return httpx.Response(200, json={"messages": [{"text": f"after {body['name']}"}]})
        return httpx.Response(404)


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


async def login(app, username: str, password: str) -> dict[str, str]:
    _, resp = await app.asgi_client.post("/api/auth/login", json={"username": username, "password": password})
    assert resp.status == 200, resp.json
    cookie = resp.headers["set-cookie"].split(";")[0]
    assert "HttpOnly" in resp.headers["set-cookie"] and "SameSite=Strict" in resp.headers["set-cookie"]
    return {"cookie": cookie, "x-csrf-token": resp.json["csrf_token"]}


def agent(desk, name: str = "anna", roles: tuple[str, ...] = ("agent",)) -> None:
    accounts.create_user(
        desk.engine, username=name, password="agent-password-1", roles=roles, display_name=name.title()
    )


async def employee_says(app, text: str, auth: dict | None = None) -> tuple[dict, dict]:
    """One employee message; ``auth`` is the chat session header (a new session when omitted)."""
    if auth is None:
        _, resp = await app.asgi_client.post("/api/chat/session", json={})
        auth = {"authorization": f"Bearer {resp.json['session']}"}
    headers = auth
    _, resp = await app.asgi_client.post("/api/chat/messages", json={"text": text}, headers=headers)
    assert resp.status == 200, resp.json
    return auth, resp.json


def conversation_of(desk, auth: dict) -> str:
    """The conversation the server keeps for a chat session (clients never see its id)."""
    session = read_session(desk.secret, auth["authorization"].split()[1])
    found = conversations.current(desk.engine, session.user(desk.secret))
    assert found is not None
    return found


def queue(desk, conversation_id: str) -> escalations.Escalation:
    return escalations.create(
        desk.engine,
        conversation_id=conversation_id,
        user_pseudonym="p",
        language="de",
        reason="user_request",
        details={"description": "Beamer geht nicht"},
        intents=[],
        articles=[],
        transcript=[{"role": "user", "text": "Mensch bitte", "ts": 1.0}],
    )


async def test_login_roles_and_csrf(app, desk) -> None:
    _, resp = await app.asgi_client.get("/api/escalations")  # first start: the admin from the settings exists
    assert resp.status == 401 and resp.json["error"].startswith("Bitte melden")
    agent(desk, "eddi", ("editor",))
    _, resp = await app.asgi_client.post("/api/auth/login", json={"username": "eddi", "password": "wrong password"})
    assert resp.status == 401
    editor = await login(app, "eddi", "agent-password-1")
    _, resp = await app.asgi_client.get("/api/escalations", headers=editor)
    assert resp.status == 403 and "agent" in resp.json["error"]
    admin = await login(app, "admin", "admin-unit-password")  # first admin from the settings
    _, resp = await app.asgi_client.get("/api/escalations?status=waiting", headers=admin)
    assert resp.status == 200 and resp.json["escalations"] == []
    no_csrf = {"cookie": admin["cookie"]}
    _, resp = await app.asgi_client.post(
        "/api/users", json={"username": "x", "password": "p" * 12, "roles": ["agent"]}, headers=no_csrf
    )
    assert resp.status == 403 and "Token" in resp.json["error"]
    _, resp = await app.asgi_client.post(
        "/api/users", json={"username": "x", "password": "p" * 12, "roles": ["agent"]}, headers=admin
    )
    assert resp.status == 201
    _, resp = await app.asgi_client.post(
        "/api/users", json={"username": "y", "password": "p" * 12, "roles": ["agent"]}, headers=editor
    )
    assert resp.status == 403


async def test_claim_reply_and_employee_messages_flow_both_ways(app, desk, rasa) -> None:
    agent(desk, "anna")
    agent(desk, "bernd")
    cookie, _ = await employee_says(app, "Hallo")
    conversation = conversation_of(desk, cookie)
    esc = queue(desk, conversation)
    anna, bernd = await login(app, "anna", "agent-password-1"), await login(app, "bernd", "agent-password-1")

    _, resp = await app.asgi_client.get("/api/escalations?status=waiting", headers=anna)
    (entry,) = resp.json["escalations"]
    assert entry["id"] == esc.id and entry["summary"][0] == "Anliegen: Beamer geht nicht"
    assert set(entry) >= {"id", "reason", "summary", "language", "waiting_seconds"}

    _, resp = await app.asgi_client.post(f"/api/escalations/{esc.id}/claim", headers=anna)
    assert resp.status == 200 and resp.json["status"] == "claimed" and resp.json["agent_name"] == "Anna"
    _, resp = await app.asgi_client.post(f"/api/escalations/{esc.id}/claim", headers=bernd)
    assert resp.status == 409
    _, resp = await app.asgi_client.post(f"/api/escalations/{esc.id}/messages", json={"text": "Hallo"}, headers=bernd)
    assert resp.status == 403
    _, resp = await app.asgi_client.post(f"/api/escalations/{esc.id}/messages", json={"text": "  "}, headers=anna)
    assert resp.status == 400

    _, resp = await app.asgi_client.post(
        f"/api/escalations/{esc.id}/messages", json={"text": "<img src=x onerror=alert(1)> Guten Tag"}, headers=anna
    )
    assert resp.status == 201
    _, resp = await app.asgi_client.get("/api/chat/events?after=0", headers=cookie)
    texts = [(m["role"], m["text"]) for m in resp.json["messages"]]
    assert ("system", "Sie sind jetzt mit dem Service Desk verbunden (Anna).") in texts
    assert texts[-1] == ("agent", "<img src=x onerror=alert(1)> Guten Tag")  # stored as text, rendered as text
    assert resp.json["handoff"] == "claimed"

    rasa.calls.clear()
    _, reply = await employee_says(app, "Danke, der Beamer geht wieder", cookie)
    assert reply["messages"] == [] and reply["handoff"] == "claimed"  # no bot answer while the agent holds it
    assert rasa.calls == []  # the paused bot is not even asked
    record = (await app.asgi_client.get(f"/api/escalations/{esc.id}", headers=anna))[1].json
    assert record["messages"][-1]["text"] == "Danke, der Beamer geht wieder"
    after = record["messages"][-2]["id"]
    _, resp = await app.asgi_client.get(f"/api/escalations/{esc.id}/messages?after={after}", headers=anna)
    assert [m["text"] for m in resp.json["messages"]] == ["Danke, der Beamer geht wieder"]

    _, resp = await app.asgi_client.post(f"/api/escalations/{esc.id}/resolve", headers=anna)
    assert resp.status == 200 and resp.json["status"] == "resolved"
    assert [p.rsplit("/", 1)[-1] for p, _ in rasa.calls[-2:]] == ["events", "trigger_intent"]
    assert rasa.calls[-1][1] == {"name": "EXTERNAL_agent_resolved", "entities": {}}
    _, resp = await app.asgi_client.get("/api/chat/history", headers=cookie)
    assert resp.json["messages"][-1] == {
        **resp.json["messages"][-1],
        "role": "bot",
        "text": "after EXTERNAL_agent_resolved",
    }
    assert resp.json["handoff"] is None
    _, resp = await app.asgi_client.post(f"/api/escalations/{esc.id}/resolve", headers=anna)
    assert resp.status == 409


async def test_agent_converts_to_a_ticket_and_the_employee_gets_the_number(app, desk) -> None:
    agent(desk)
    esc = queue(desk, "conv-ticket")
    anna = await login(app, "anna", "agent-password-1")
    await app.asgi_client.post(f"/api/escalations/{esc.id}/claim", headers=anna)
    _, resp = await app.asgi_client.post(f"/api/escalations/{esc.id}/ticket", headers=anna)
    assert resp.status == 200 and resp.json["status"] == "ticket"
    number = resp.json["ticket_number"]
    assert number.startswith("SD-")
    last = conversations.messages_after(desk.engine, "conv-ticket")[-1]
    assert last["role"] == "system" and number in last["text"]
    _, resp = await app.asgi_client.get("/api/tickets", headers=anna)
    assert resp.json["tickets"][0]["number"] == number and resp.json["tickets"][0]["title"] == "Chat: Beamer geht nicht"


async def test_nobody_claims_in_time_becomes_a_ticket_once(app, desk) -> None:
    esc = queue(desk, "conv-late")
    with desk.engine.begin() as conn:
        conn.execute(update(escalations_table).values(created_at=esc.created_at - timedelta(seconds=301)))
    handoff = handoff_for(desk, FakeRasa())
    assert await handoff.sweep() == 1
    assert await handoff.sweep() == 0  # converted once, not twice
    done = escalations.get(desk.engine, esc.id)
    assert done is not None and done.status == "ticket" and done.ticket_number
    text = conversations.messages_after(desk.engine, "conv-late")[-1]["text"]
    assert text.startswith("Leider ist gerade niemand am Service Desk frei.") and done.ticket_number in text


class Down:
    name = "sql"

    def create(self, draft):  # noqa: ANN001, ANN202
        from desk.tickets.base import TicketError

        raise TicketError("connection refused")

    def status(self, number):  # noqa: ANN001, ANN202
        return None


def age(desk, escalation_id: int, **columns: int) -> None:
    """Move timestamps of an escalation into the past by the given seconds."""
    esc = escalations.get(desk.engine, escalation_id)
    values = {c: getattr(esc, c, None) or esc.created_at for c in columns}
    with desk.engine.begin() as conn:
        conn.execute(
            update(escalations_table)
            .where(escalations_table.c.id == escalation_id)
            .values(**{c: values[c] - timedelta(seconds=s) for c, s in columns.items()})
        )


async def test_a_failing_ticket_system_and_rasa_outage_lose_nothing_and_are_retried(desk) -> None:
    esc = queue(desk, "conv-down")
    rasa = FakeRasa(up=False)
    result = await handoff_for(replace(desk, sink=Down()), rasa).to_ticket(escalation_id=esc.id, why="no_agent")
    assert result.status == "ticket" and result.ticket_number is None
    assert "Ticketsystem antwortet gerade nicht" in conversations.messages_after(desk.engine, "conv-down")[-1]["text"]
    assert escalations.get(desk.engine, esc.id).bot_wake == "resume"  # Rasa still has to be un-paused
    assert escalations.overdue(desk.engine, timeout_s=300) == []  # the attempt's lease has not expired
    age(desk, esc.id, ticket_attempt_at=61)
    rasa.up = True
    assert await handoff_for(desk, rasa).sweep() == 1  # the real sink works again
    assert escalations.get(desk.engine, esc.id).bot_wake == "resume"  # a retry does not resume twice
    age(desk, esc.id, updated_at=30)
    assert await handoff_for(desk, rasa).sweep() == 1  # Rasa is back: resumed once
    retried = escalations.get(desk.engine, esc.id)
    assert retried.ticket_number is not None and retried.bot_wake is None
    assert [p.rsplit("/", 1)[-1] for p, _ in rasa.calls] == ["events"]
    assert retried.ticket_number in conversations.messages_after(desk.engine, "conv-down")[-1]["text"]


async def test_a_slow_ticket_system_never_gets_the_same_ticket_twice(desk) -> None:
    import asyncio
    import time

    from desk.tickets.sql import SqlTicketSink

    class Slow(SqlTicketSink):
        calls = 0

        def create(self, draft):  # noqa: ANN001, ANN202
            Slow.calls += 1
            time.sleep(0.3)
            return super().create(draft)

    slow = handoff_for(replace(desk, sink=Slow(desk.engine)), FakeRasa())
    esc = queue(desk, "conv-slow")
    age(desk, esc.id, created_at=301)
    # two instances sweep at the same moment while the creation is under way
    await asyncio.gather(slow.sweep(), slow.sweep(), slow.sweep())
    assert Slow.calls == 1
    assert await slow.sweep() == 0 and Slow.calls == 1


async def test_a_colleagues_claim_in_between_is_never_converted(desk) -> None:
    anna = accounts.create_user(desk.engine, username="anna", password="agent-password-1", roles=("agent",))
    bernd = accounts.create_user(desk.engine, username="bernd", password="agent-password-1", roles=("agent",))
    esc = queue(desk, "conv-race")
    escalations.transition(desk.engine, esc.id, allowed=("waiting",), to="claimed", agent_id=bernd.id)
    # Anna's console still showed "waiting": the owner condition in the UPDATE refuses
    with pytest.raises(escalations.TransitionError):
        escalations.transition(desk.engine, esc.id, allowed=("waiting", "claimed"), to="ticket", owner=anna.id)
    with pytest.raises(escalations.TransitionError):
        escalations.add_agent_message(desk.engine, esc.id, agent_id=anna.id, text="Hallo", data={})
    assert escalations.get(desk.engine, esc.id).status == "claimed"


async def claimed_after(app, desk, text: str) -> tuple[str, str, Any, dict[str, str]]:  # noqa: ANN001
    """The employee said ``text``, the conversation waits in the queue, and the agent Anna claimed it."""
    agent(desk)
    cookie, _ = await employee_says(app, text)
    conversation = conversation_of(desk, cookie)
    esc = queue(desk, conversation)
    anna = await login(app, "anna", "agent-password-1")
    await app.asgi_client.post(f"/api/escalations/{esc.id}/claim", headers=anna)
    return cookie, conversation, esc, anna


async def test_agents_read_only_the_handoff_window_and_cannot_reply_after_it(app, desk, desk_settings) -> None:
    cookie, conversation, esc, anna = await claimed_after(app, desk, "Vorher mit dem Bot")
    await employee_says(app, "Während der Übergabe", cookie)
    url = f"{desk_settings.servers.public_url}/kb/vpn-fehler"
    _, resp = await app.asgi_client.post(
        f"/api/escalations/{esc.id}/messages", json={"text": f"Siehe {url}"}, headers=anna
    )
    assert resp.json["message"]["data"]["article"] == {
        "slug": "vpn-fehler",
        "title": resp.json["message"]["data"]["article"]["title"],
        "url": url,
    }
    await app.asgi_client.post(f"/api/escalations/{esc.id}/resolve", headers=anna)
    await employee_says(app, "Später wieder mit dem Bot, privat", cookie)
    _, resp = await app.asgi_client.get(f"/api/escalations/{esc.id}/messages?after=0", headers=anna)
    texts = [m["text"] for m in resp.json["messages"]]
    assert "Während der Übergabe" in texts
    assert "Vorher mit dem Bot" not in texts and "Später wieder mit dem Bot, privat" not in texts
    _, resp = await app.asgi_client.get(f"/api/escalations/{esc.id}", headers=anna)
    assert "Später wieder mit dem Bot, privat" not in [m["text"] for m in resp.json["messages"]]
    _, resp = await app.asgi_client.post(f"/api/escalations/{esc.id}/messages", json={"text": "Nachtrag"}, headers=anna)
    assert resp.status == 409


async def test_events_and_history_need_a_session(app) -> None:
    for path in ("/api/chat/events?after=0", "/api/chat/history"):
        _, resp = await app.asgi_client.get(path)
        assert resp.status == 401 and resp.json["error_en"].startswith("Your chat session")


async def test_rasa_down_during_resolve_still_resolves_and_the_bot_wakes_with_the_next_message(app, desk, rasa) -> None:
    cookie, conversation, esc, anna = await claimed_after(app, desk, "Hallo")
    rasa.up = False
    _, resp = await app.asgi_client.post(f"/api/escalations/{esc.id}/resolve", headers=anna)
    assert resp.status == 200 and resp.json["status"] == "resolved"
    assert conversations.messages_after(desk.engine, conversation)[-1]["text"].startswith("Der Service Desk hat")
    assert escalations.get(desk.engine, esc.id).bot_wake == "EXTERNAL_agent_resolved"  # not forgotten
    rasa.up = True
    rasa.calls.clear()
    _, body = await employee_says(app, "Hallo nochmal", cookie)
    # the pending resume and the closing message come first, then the new message is relayed
    assert [p.rsplit("/", 1)[-1] for p, _ in rasa.calls] == ["events", "trigger_intent", "webhook"]
    assert escalations.get(desk.engine, esc.id).bot_wake is None
    assert body["messages"][-1]["text"] == "bot: Hallo nochmal"


async def test_insights_for_the_lead_only_and_as_csv(app, desk) -> None:
    from datetime import datetime

    from desk import csat

    for conversation, score in (("i1", 5), ("i2", 3)):
        conversations.ensure_conversation(desk.engine, conversation, "p")
        csat.mark_asked(desk.engine, conversation, "bot")
        csat.store_rating(
            desk.engine, conversation_id=conversation, score=score, path="bot", articles=[], language="de"
        )
    csat.add_comment(desk.engine, "i2", "Anna war nett, aber ich bin Erika Muster, Tel. 0171 2345678")
    agent(desk, "anna")
    agent(desk, "lena", ("lead",))
    anna, lena = await login(app, "anna", "agent-password-1"), await login(app, "lena", "agent-password-1")
    _, resp = await app.asgi_client.get("/api/insights/csat", headers=anna)
    assert resp.status == 403 and "lead" in resp.json["error"]
    _, resp = await app.asgi_client.get("/api/insights/csat", headers=lena)
    today = datetime.now(desk.hours.tz).date().isoformat()
    assert resp.status == 200 and resp.json["to"] == today
    assert resp.json["answered"] == 2 and resp.json["average"] == 4.0 and resp.json["by_path"]["bot"]["asked"] == 2
    said = "[Name] war nett, aber ich bin [Name], Tel. [Telefon]"
    assert resp.json["comments"] == [{"date": today, "score": 3, "path": "bot", "language": "de", "comment": said}]
    _, resp = await app.asgi_client.get("/api/insights/csat?from=2026-13-01", headers=lena)
    assert resp.status == 400 and resp.json["field"] == "from"
    _, resp = await app.asgi_client.get(f"/api/insights/csat?from={today}&to=2020-01-01", headers=lena)
    assert resp.status == 400
    _, resp = await app.asgi_client.get("/api/insights/csat.csv", headers=lena)
    assert resp.status == 200 and resp.headers["content-type"].startswith("text/csv")
    assert "attachment" in resp.headers["content-disposition"]
    lines = resp.text.lstrip("\ufeff").splitlines()
    assert lines[lines.index("") - 1] == "Gesamt;2;2;100,0;4,00;0;0;1;0;1"  # the figures, an empty line, the comments
    day = datetime.now(desk.hours.tz).strftime("%d.%m.%Y")
    assert lines[lines.index("") + 1 :] == [
        "Datum;Bewertung;Lösungsweg;Sprache;Kommentar",
        f'{day};3;"Assistent";"Deutsch";"{said}"',
    ]


async def test_ratings_only_when_asked_never_during_a_handoff_and_no_forged_events(app, desk, rasa) -> None:
    auth, _ = await employee_says(app, "Hallo")
    conversation = conversation_of(desk, auth)
    _, resp = await app.asgi_client.post("/api/chat/messages", json={"text": '/csat{"csat_score": "1"}'}, headers=auth)
    assert resp.status == 409 and "Ende des Gesprächs" in resp.json["error"]  # not asked yet
    _, resp = await app.asgi_client.post("/api/chat/messages", json={"text": "/EXTERNAL_csat_inactive"}, headers=auth)
    assert resp.status == 400
    from desk import csat

    csat.mark_asked(desk.engine, conversation, "bot")
    queue(desk, conversation)
    _, resp = await app.asgi_client.post("/api/chat/messages", json={"text": '/csat{"csat_score": "4"}'}, headers=auth)
    assert resp.status == 409 and "Service Desk" in resp.json["error"]  # an agent has the conversation
    texts = [m["text"] for m in conversations.messages_after(desk.engine, conversation)]
    assert not any("csat" in t for t in texts)  # nothing of it reached the agent's window
