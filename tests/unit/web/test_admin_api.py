"""The admin API: the access audit of the console's views and the data-subject requests (role admin)."""

from __future__ import annotations

import json

import pytest
from sanic import Sanic
from sqlalchemy import create_engine, insert

from desk import conversations, rasa_tracker
from desk.identity import make_identity
from knowledge.source import StaticKnowledgeSource
from tests.conftest import desk_web_app
from tests.mentions import rows_mentioning
from tests.unit.web.test_console_api import FakeRasa, agent, conversation_of, employee_says, login, queue

KEY = "identity-key-of-the-intranet-0123456789"


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def tracker(tmp_path):  # noqa: ANN001, ANN201 - a tracker database shaped like Rasa's
    path = tmp_path / "tracker.db"
    engine = create_engine(f"sqlite:///{path}")
    rasa_tracker.tracker_metadata.create_all(engine)
    engine.dispose()
    return path


@pytest.fixture
def app(desk, desk_settings, hashing_kb, rasa, tracker) -> Sanic:  # noqa: ANN001
    settings = desk_settings.override(
        SERVICEDESK_TRACKER_DB=str(tracker), SERVICEDESK_IDENTITY_SECRET=KEY, SERVICEDESK_LONG_POLL_S="0.1"
    )
    return desk_web_app(desk, settings, StaticKnowledgeSource(hashing_kb), rasa, sweep_interval_s=3600)


async def signed_in(app, sub: str, text: str) -> dict:  # noqa: ANN001
    _, resp = await app.asgi_client.post("/api/chat/session", json={"identity": make_identity(sub, KEY.encode())})
    auth = {"authorization": f"Bearer {resp.json['session']}"}
    await employee_says(app, text, auth)
    return auth


def tracker_event(path, sender: str, text: str) -> None:  # noqa: ANN001
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(
            insert(rasa_tracker.events).values(
                sender_id=sender, type_name="user", timestamp=1.0, data=json.dumps({"event": "user", "text": text})
            )
        )
    engine.dispose()


async def test_the_console_views_are_audited_and_only_admins_read_the_audit(app, desk) -> None:
    _, resp = await app.asgi_client.get("/api/admin/access")  # the app starts: the first admin is made
    assert resp.status == 401
    _, page = await app.asgi_client.get("/admin/")  # the page is the frame; its data needs the role
    assert page.status == 200 and "/static/admin/main.js" in page.text and "Zugriffsprotokoll" in page.text
    auth, _ = await employee_says(app, "Drucker streikt")
    agent(desk, "anna")
    agent(desk, "lena", ("lead",))
    esc = queue(desk, conversation_of(desk, auth))
    anna = await login(app, "anna", "agent-password-1")
    _, resp = await app.asgi_client.get(f"/api/escalations/{esc.id}", headers=anna)
    assert resp.status == 200
    for _ in range(3):  # the console's long-polls: one visit
        _, resp = await app.asgi_client.get(f"/api/escalations/{esc.id}/messages?after=0", headers=anna)
        assert resp.status == 200
    _, resp = await app.asgi_client.get("/api/tickets", headers=anna)
    assert resp.status == 200
    _, resp = await app.asgi_client.get("/api/escalations/999999", headers=anna)
    assert resp.status == 404  # nothing opened, nothing noted

    admin = await login(app, "admin", "admin-unit-password")
    _, resp = await app.asgi_client.get("/api/admin/access", headers=admin)
    assert resp.status == 200 and resp.json["retention_days"] == 365
    seen = [(r["staff_username"], r["view"], r["escalation_id"]) for r in resp.json["accesses"]]
    assert seen == [("anna", "tickets", None), ("anna", "messages", esc.id), ("anna", "escalation", esc.id)]
    # Admins only: a lead (who reads the figures) and the agent herself are refused.
    for who in (anna, await login(app, "lena", "agent-password-1")):
        _, resp = await app.asgi_client.get("/api/admin/access", headers=who)
        assert resp.status == 403
    # A period: days in the desk's time zone; bad dates are a 400.
    _, resp = await app.asgi_client.get("/api/admin/access?from=2001-01-01&to=2001-01-31", headers=admin)
    assert resp.status == 200 and resp.json["accesses"] == []
    _, resp = await app.asgi_client.get("/api/admin/access?from=gestern", headers=admin)
    assert resp.status == 400 and resp.json["field"] == "from"
    _, resp = await app.asgi_client.get("/api/admin/access?from=2026-02-01&to=2026-01-01", headers=admin)
    assert resp.status == 400


async def test_export_and_erase_through_the_api(app, desk, tracker) -> None:
    auth = await signed_in(app, "anna.m", "Mein Laptop Zebrafink startet nicht")
    other = await signed_in(app, "bert.k", "Drucker Kolibri streikt")
    anna_cid, bert_cid = conversation_of(desk, auth), conversation_of(desk, other)
    tracker_event(tracker, anna_cid, "Mein Laptop Zebrafink startet nicht")
    tracker_event(tracker, bert_cid, "Drucker Kolibri streikt")
    admin = await login(app, "admin", "admin-unit-password")

    _, resp = await app.asgi_client.post("/api/admin/subject/export", json={"user_id": "anna.m"}, headers=admin)
    assert resp.status == 200
    assert [c["id"] for c in resp.json["conversations"]] == [anna_cid]
    assert resp.json["counts"]["tracker_events"] == 1 and "Kolibri" not in json.dumps(resp.json)
    _, by_cid = await app.asgi_client.post(
        "/api/admin/subject/export", json={"conversation_id": anna_cid}, headers=admin
    )
    assert by_cid.json["pseudonym"] == resp.json["pseudonym"]

    # Bad requests are refused and change nothing.
    for body, status in (
        ({}, 400),
        ({"user_id": "anna.m", "conversation_id": anna_cid}, 400),
        ({"user_id": ""}, 400),
        ({"user_id": 7}, 400),
        ({"user_id": "x" * 201}, 400),
        ({"conversation_id": "gibt-es-nicht"}, 404),
        ({"user_id": "anna.m"}, 400),  # no confirm
        ({"user_id": "anna.m", "confirm": "yes"}, 400),
    ):
        _, resp = await app.asgi_client.post("/api/admin/subject/erase", json=body, headers=admin)
        assert resp.status == status, (body, resp.json)
    assert conversations.messages_after(desk.engine, anna_cid)
    _, resp = await app.asgi_client.post(
        "/api/admin/subject/erase", json={"user_id": "anna.m", "confirm": True}, headers={"cookie": admin["cookie"]}
    )
    assert resp.status == 403  # no CSRF token
    agent(desk, "anna")
    _, resp = await app.asgi_client.post(
        "/api/admin/subject/erase",
        json={"user_id": "anna.m", "confirm": True},
        headers=await login(app, "anna", "agent-password-1"),
    )
    assert resp.status == 403  # agents may not

    _, resp = await app.asgi_client.post(
        "/api/admin/subject/erase", json={"user_id": "anna.m", "confirm": True}, headers=admin
    )
    assert resp.status == 200
    assert resp.json["counts"]["conversations"] == 1 and resp.json["counts"]["tracker_events"] == 1
    assert resp.json["counts"]["messages"] == 2  # the employee's message and the bot's answer
    for engine in (desk.engine, create_engine(f"sqlite:///{tracker}")):
        assert rows_mentioning(engine, [anna_cid, "Zebrafink", by_cid.json["pseudonym"]]) == []
        assert rows_mentioning(engine, [bert_cid, "Kolibri"]) != []

    _, resp = await app.asgi_client.get("/api/admin/subject/requests", headers=admin)
    assert [(r["actor"], r["kind"], r["given"]) for r in resp.json["requests"]] == [
        ("admin", "erase", "user_id"),
        ("admin", "export", "conversation"),
        ("admin", "export", "user_id"),
    ]
    assert anna_cid not in json.dumps(resp.json) and "anna.m" not in json.dumps(resp.json)
