"""Canned replies, internal notes and the queue's order in the console API (issue 18), through Sanic's test client.

Who may write canned replies (leads), how their placeholders are filled, and that a note never reaches anything the
employee or Rasa reads: the chat's history and events, the ticket.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from desk import escalations
from desk.db import escalations as escalations_table
from tests.unit.web.test_console_api import FakeRasa, agent, conversation_of, employee_says, login, queue

PASSWORD = "agent-password-1"
NOTE = "Intern: Person klang verärgert, Drucker-Firmware prüfen"


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


async def test_leads_write_canned_replies_and_agents_only_read_them(app, desk) -> None:
    agent(desk, "anna")
    agent(desk, "lea", ("lead",))
    anna, lea = await login(app, "anna", PASSWORD), await login(app, "lea", PASSWORD)
    block = {"title": "Drucker neu starten", "body": "Guten Tag {name},\nbitte starten Sie den Drucker neu."}

    _, resp = await app.asgi_client.post("/api/canned-replies", json=block, headers=anna)
    assert resp.status == 403
    _, resp = await app.asgi_client.post("/api/canned-replies", json=block, headers=lea)
    assert resp.status == 201
    made = resp.json["canned_reply"]
    assert made["title"] == block["title"] and made["updated_by"] == "lea"

    _, resp = await app.asgi_client.get("/api/canned-replies", headers=anna)
    assert resp.status == 200 and resp.json["can_edit"] is False
    assert [c["title"] for c in resp.json["canned_replies"]] == ["Drucker neu starten"]
    _, resp = await app.asgi_client.get("/api/canned-replies", headers=lea)  # a lead without the agent role reads
    assert resp.status == 200 and resp.json["can_edit"] is True

    changed = {"title": "Drucker: Neustart", "body": "Bitte Neustart. Ihr {agent}"}
    _, resp = await app.asgi_client.put(f"/api/canned-replies/{made['id']}", json=changed, headers=anna)
    assert resp.status == 403
    _, resp = await app.asgi_client.delete(f"/api/canned-replies/{made['id']}", headers=anna)
    assert resp.status == 403
    _, resp = await app.asgi_client.put(f"/api/canned-replies/{made['id']}", json=changed, headers=lea)
    assert resp.status == 200 and resp.json["canned_reply"]["body"] == changed["body"]
    _, resp = await app.asgi_client.delete(f"/api/canned-replies/{made['id']}", headers=lea)
    assert resp.status == 200
    _, resp = await app.asgi_client.get("/api/canned-replies", headers=anna)
    assert resp.json["canned_replies"] == []
    _, resp = await app.asgi_client.delete(f"/api/canned-replies/{made['id']}", headers=lea)
    assert resp.status == 404
    _, resp = await app.asgi_client.put(f"/api/canned-replies/{made['id']}", json=changed, headers=lea)
    assert resp.status == 404


BAD_BLOCKS = [
    ({"title": "Gruß", "body": "Hallo {nmae}"}, 400, "body"),  # a typo'd placeholder never reaches anyone
    ({"title": "Gruß", "body": "Hallo {}"}, 400, "body"),
    ({"title": "", "body": "Hallo"}, 400, "title"),
    ({"title": "Gruß", "body": "   "}, 400, "body"),
    ({"title": "Zwei\nZeilen", "body": "Hallo"}, 400, "title"),
    ({"title": "x" * 121, "body": "Hallo"}, 400, "title"),
    ({"title": "Gruß", "body": "x" * 2001}, 400, "body"),
    ({"title": ["Gruß"], "body": "Hallo"}, 400, "title"),
    ({"body": "Hallo"}, 400, "title"),
    ({"title": "vorhanden", "body": "Hallo"}, 409, "title"),  # titles are unique regardless of case
]


async def test_bad_canned_replies_are_refused_with_the_field_named(app, desk) -> None:
    agent(desk, "lea", ("lead",))
    lea = await login(app, "lea", PASSWORD)
    _, resp = await app.asgi_client.post("/api/canned-replies", json={"title": "Vorhanden", "body": "x"}, headers=lea)
    assert resp.status == 201
    kept = resp.json["canned_reply"]["id"]
    for body, status, field in BAD_BLOCKS:
        _, resp = await app.asgi_client.post("/api/canned-replies", json=body, headers=lea)
        assert (resp.status, resp.json["field"]) == (status, field), body
        assert resp.json["error"] and resp.json["error_en"]
        if status == 400:  # a change is checked the same way
            _, resp = await app.asgi_client.put(f"/api/canned-replies/{kept}", json=body, headers=lea)
            assert (resp.status, resp.json["field"]) == (status, field), body
    _, resp = await app.asgi_client.get("/api/canned-replies", headers=lea)
    assert [(c["title"], c["body"]) for c in resp.json["canned_replies"]] == [("Vorhanden", "x")]
    _, resp = await app.asgi_client.post("/api/canned-replies", json={"title": "Gruß", "body": "{nmae}"}, headers=lea)
    assert "{nmae}" in resp.json["error"] and "{name}, {ticket}, {agent}" in resp.json["error"]


async def test_placeholders_are_filled_for_the_open_escalation(app, desk) -> None:
    agent(desk, "anna", ("agent", "lead"))
    anna = await login(app, "anna", PASSWORD)
    body = "Guten Tag {name},\nIhre Anfrage {ticket} bearbeitet {agent}.\n{name}, melden Sie sich gern."
    await app.asgi_client.post("/api/canned-replies", json={"title": "Status", "body": body}, headers=anna)
    esc = queue(desk, "conv-fill")

    _, resp = await app.asgi_client.get(f"/api/escalations/{esc.id}/canned-replies", headers=anna)
    assert resp.status == 200
    (block,) = resp.json["canned_replies"]
    assert block["body"] == body  # the block itself stays as the lead wrote it
    assert block["text"] == f"Guten Tag,\nIhre Anfrage Anfrage Nr. {esc.id} bearbeitet Anna.\nmelden Sie sich gern."

    with desk.engine.begin() as conn:  # a named person and a ticket number
        conn.execute(
            update(escalations_table)
            .where(escalations_table.c.id == esc.id)
            .values(details={"name": "Frau Weber"}, ticket_number="SD-2026-000007")
        )
    _, resp = await app.asgi_client.get(f"/api/escalations/{esc.id}/canned-replies", headers=anna)
    assert resp.json["canned_replies"][0]["text"] == (
        "Guten Tag Frau Weber,\nIhre Anfrage SD-2026-000007 bearbeitet Anna.\nFrau Weber, melden Sie sich gern."
    )
    _, resp = await app.asgi_client.get("/api/escalations/999999/canned-replies", headers=anna)
    assert resp.status == 404


async def test_a_note_is_shown_to_staff_and_never_reaches_the_employee_or_rasa(app, desk, rasa) -> None:
    agent(desk, "anna")
    agent(desk, "bernd")
    chat, _ = await employee_says(app, "Hallo")
    esc = queue(desk, conversation_of(desk, chat))
    anna, bernd = await login(app, "anna", PASSWORD), await login(app, "bernd", PASSWORD)
    await app.asgi_client.post(f"/api/escalations/{esc.id}/claim", headers=anna)
    await app.asgi_client.post(f"/api/escalations/{esc.id}/messages", json={"text": "Ich schaue nach."}, headers=anna)
    rasa.calls.clear()

    _, resp = await app.asgi_client.post(f"/api/escalations/{esc.id}/notes", json={"text": NOTE}, headers=bernd)
    assert resp.status == 201  # a colleague may note something on a conversation someone else holds
    assert resp.json["note"]["text"] == NOTE and resp.json["note"]["author_name"] == "Bernd"
    _, resp = await app.asgi_client.get(f"/api/escalations/{esc.id}", headers=anna)
    assert [n["text"] for n in resp.json["notes"]] == [NOTE]
    assert all(NOTE not in m["text"] for m in resp.json["messages"])
    assert rasa.calls == []  # Rasa is told nothing

    for path in ("/api/chat/history", "/api/chat/events?after=0"):
        _, resp = await app.asgi_client.get(path, headers=chat)
        assert resp.status == 200
        assert "Ich schaue nach." in str(resp.json) and "Intern" not in str(resp.json) and "notes" not in resp.json
    _, resp = await app.asgi_client.post(f"/api/escalations/{esc.id}/ticket", headers=anna)
    assert resp.status == 200
    _, resp = await app.asgi_client.get("/api/tickets", headers=anna)
    assert resp.json["tickets"] and "Intern" not in str(resp.json)
    with desk.engine.connect() as conn:  # nor the ticket's stored body
        assert "Intern" not in str(conn.exec_driver_sql("SELECT body FROM tickets").all())


async def test_bad_notes_are_refused(app, desk) -> None:
    agent(desk, "anna")
    esc = queue(desk, "conv-bad-note")
    anna = await login(app, "anna", PASSWORD)
    for payload in ({"text": "  "}, {"text": "x" * 2001}, {"text": 5}, {}, {"text": "\x07"}):
        _, resp = await app.asgi_client.post(f"/api/escalations/{esc.id}/notes", json=payload, headers=anna)
        assert (resp.status, resp.json["field"]) == (400, "text"), payload
    _, resp = await app.asgi_client.get(f"/api/escalations/{esc.id}", headers=anna)
    assert resp.json["notes"] == []


async def test_notes_need_the_agent_role_and_an_escalation(app, desk) -> None:
    agent(desk, "eddi", ("editor",))
    agent(desk, "anna")
    esc = queue(desk, "conv-roles")
    eddi, anna = await login(app, "eddi", PASSWORD), await login(app, "anna", PASSWORD)
    _, resp = await app.asgi_client.post(f"/api/escalations/{esc.id}/notes", json={"text": "x"}, headers=eddi)
    assert resp.status == 403
    _, resp = await app.asgi_client.post("/api/escalations/999999/notes", json={"text": "x"}, headers=anna)
    assert resp.status == 404
    _, resp = await app.asgi_client.post(
        f"/api/escalations/{esc.id}/notes", json={"text": "x"}, headers={"cookie": anna["cookie"]}
    )
    assert resp.status == 403  # no CSRF token


def urgent(desk, conversation_id: str, urgency: str, minutes_ago: int) -> escalations.Escalation:
    esc = escalations.create(
        desk.engine,
        conversation_id=conversation_id,
        user_pseudonym="p",
        language="de",
        reason="user_request",
        details={"description": "Drucker", "urgency": urgency},
        intents=[],
        articles=[],
        transcript=[],
    )
    with desk.engine.begin() as conn:
        conn.execute(
            update(escalations_table)
            .where(escalations_table.c.id == esc.id)
            .values(created_at=esc.created_at - timedelta(minutes=minutes_ago))
        )
    return esc


async def test_the_queue_is_sorted_by_urgency_then_age_and_flags_long_claims(app, desk) -> None:
    agent(desk, "anna")
    anna = await login(app, "anna", PASSWORD)
    old_ok = urgent(desk, "c1", "single_ok", 30)
    new_many = urgent(desk, "c2", "many", 1)
    old_many = urgent(desk, "c3", "many", 10)
    blocked = urgent(desk, "c4", "single_blocked", 2)
    own_words = urgent(desk, "c5", "ziemlich eilig", 40)  # typed in own words: no rank, but shown
    _, resp = await app.asgi_client.get("/api/escalations", headers=anna)
    entries = resp.json["escalations"]
    assert [e["id"] for e in entries] == [old_many.id, new_many.id, blocked.id, own_words.id, old_ok.id]
    assert entries[0]["urgency"] == "many" and entries[0]["urgency_label"] == "mehrere Personen betroffen"
    assert entries[3]["urgency"] == "" and entries[3]["urgency_label"] == "ziemlich eilig"
    assert resp.json["claim_warn_seconds"] == 20 * 60  # SERVICEDESK_CLAIM_WARN_MINUTES' default

    await app.asgi_client.post(f"/api/escalations/{old_ok.id}/claim", headers=anna)
    with desk.engine.begin() as conn:
        conn.execute(
            update(escalations_table)
            .where(escalations_table.c.id == old_ok.id)
            .values(claimed_at=escalations.now() - timedelta(minutes=25))
        )
    _, resp = await app.asgi_client.get("/api/escalations", headers=anna)
    held = {e["id"]: e["claimed_seconds"] for e in resp.json["escalations"]}
    assert 25 * 60 <= held[old_ok.id] < 26 * 60 and held[new_many.id] is None
