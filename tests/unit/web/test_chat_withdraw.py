"""An employee withdraws a request that still waits for the desk; "Gespräch beenden" says what is true.

Real SQLite records through Sanic's test client; Rasa is the httpx stand-in of the console tests.
"""

from __future__ import annotations

import asyncio

import pytest

from desk import accounts, escalations
from tests.unit.web.test_console_api import FakeRasa, agent, conversation_of, employee_says, handoff_for, login, queue


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


async def waiting(app, desk) -> tuple[dict[str, str], escalations.Escalation]:  # noqa: ANN001
    """An employee whose conversation waits in the queue."""
    auth, _ = await employee_says(app, "Bitte einen Menschen")
    return auth, queue(desk, conversation_of(desk, auth))


async def test_ending_while_waiting_says_so_and_withdrawing_leaves_the_queue(app, desk, rasa) -> None:
    agent(desk)
    auth, esc = await waiting(app, desk)

    _, resp = await app.asgi_client.post("/api/chat/end", headers=auth)
    assert resp.status == 409 and resp.json["code"] == "chat.waiting_ends"
    assert "wartet noch" in resp.json["error"] and "verbunden" not in resp.json["error"]
    assert "Anfrage zurückziehen" in resp.json["error"]
    _, resp = await app.asgi_client.post("/api/chat/new", headers=auth)
    assert resp.status == 409 and resp.json["code"] == "chat.waiting_ends"

    rasa.calls.clear()
    _, resp = await app.asgi_client.post("/api/chat/withdraw", headers=auth)
    assert resp.status == 200, resp.json
    assert [(m["role"], m["text"]) for m in resp.json["messages"]] == [
        ("system", "Sie haben Ihre Anfrage an den Service Desk zurückgezogen. Der Assistent ist wieder für Sie da.")
    ]
    # The bot is resumed (Rasa's tracker gets the resume event) and the handoff state is gone for the employee.
    assert [path.rsplit("/", 1)[-1] for path, _ in rasa.calls] == ["events"]
    record = escalations.get(desk.engine, esc.id)
    assert record.status == "withdrawn" and record.closed_at is not None and record.bot_wake is None
    _, history = await app.asgi_client.get("/api/chat/history", headers=auth)
    assert history.json["handoff"] is None

    # Gone from the agents' queue; the record itself says "withdrawn" in the console.
    anna = await login(app, "anna", "agent-password-1")
    _, resp = await app.asgi_client.get("/api/escalations?status=waiting,claimed", headers=anna)
    assert esc.id not in [e["id"] for e in resp.json["escalations"]]
    _, resp = await app.asgi_client.get(f"/api/escalations/{esc.id}", headers=anna)
    assert resp.status == 200 and resp.json["status"] == "withdrawn"
    _, resp = await app.asgi_client.post(f"/api/escalations/{esc.id}/claim", headers=anna)
    assert resp.status == 409

    # Nothing waits any more: a second withdrawal is refused clearly and adds nothing; the employee chats on.
    _, resp = await app.asgi_client.post("/api/chat/withdraw", headers=auth)
    assert resp.status == 409 and resp.json["code"] == "chat.nothing_waits"
    _, said = await employee_says(app, "Wie verbinde ich den Beamer?", auth)
    assert said["messages"][-1]["text"] == "bot: Wie verbinde ich den Beamer?"


async def test_a_claim_racing_the_withdrawal_is_decided_once(app, desk, rasa) -> None:
    """The agent's claim and the employee's withdrawal arrive together: exactly one of them wins."""
    anna = accounts.create_user(desk.engine, username="anna", password="agent-password-1", roles=("agent",))
    handoff = handoff_for(desk, rasa)
    for _ in range(6):
        auth, esc = await waiting(app, desk)
        results = await asyncio.gather(
            handoff.claim(escalation_id=esc.id, account=anna),
            handoff.withdraw(conversation_id=esc.conversation_id),
            return_exceptions=True,
        )
        won = [r for r in results if isinstance(r, escalations.Escalation)]
        lost = [r for r in results if isinstance(r, escalations.TransitionError)]
        assert len(won) == 1 and len(lost) == 1, results
        final = escalations.get(desk.engine, esc.id)
        assert final.status == won[0].status and final.status in ("claimed", "withdrawn")
        if final.status == "claimed":
            # The employee's late withdrawal gets the honest answer; the agent's conversation goes on.
            _, resp = await app.asgi_client.post("/api/chat/withdraw", headers=auth)
            assert resp.status == 409 and resp.json["code"] == "chat.already_claimed"
            _, resp = await app.asgi_client.post("/api/chat/end", headers=auth)
            assert resp.json["code"] == "chat.agent_ends"


async def test_withdrawing_without_a_conversation_or_session(app) -> None:
    _, resp = await app.asgi_client.post("/api/chat/withdraw")
    assert resp.status == 401
    _, started = await app.asgi_client.post("/api/chat/session", json={})
    auth = {"authorization": f"Bearer {started.json['session']}"}
    _, resp = await app.asgi_client.post("/api/chat/withdraw", headers=auth)
    assert resp.status == 409 and resp.json["code"] == "chat.nothing_waits"
    assert resp.json["error_en"] == "No request is waiting for the service desk."
