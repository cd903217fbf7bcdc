"""The incidents API (issue 13) through Sanic's test client: roles, CSRF, field messages, and the push.

A resolution reaches a subscribed conversation: the employee's chat history shows the resolution text and the
closing question (path ``incident``), and a rating of it is accepted and stored under that path.
"""

from __future__ import annotations

import pytest

from desk import csat, incidents
from tests.unit.web.test_console_api import FakeRasa, agent, conversation_of, employee_says, login

PASSWORD = "agent-password-1"
MAIL = {
    "title": "E-Mail-Versand gestört",
    "symptoms": "Outlook hängt beim Senden.",
    "status_text": "Die IT arbeitet daran.",
    "workaround": "Bitte Webmail nutzen.",
    "services": ["E-Mail", "Outlook"],
    "next_update_at": "2026-12-03T09:00:00+01:00",
}


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


async def staff(app, desk) -> tuple[dict, dict]:
    agent(desk, "anna")
    agent(desk, "lea", ("lead",))
    return await login(app, "anna", PASSWORD), await login(app, "lea", PASSWORD)


async def test_agents_create_and_edit_only_a_lead_publishes(app, desk) -> None:
    anna, lea = await staff(app, desk)
    _, resp = await app.asgi_client.post("/api/incidents", json=MAIL, headers=anna)
    assert resp.status == 201, resp.json
    made = resp.json["incident"]
    assert made["status"] == "draft" and made["services"] == ["E-Mail", "Outlook"]
    assert made["next_update_at"] == "2026-12-03T08:00:00+00:00"
    assert resp.json["can_publish"] is False
    url = f"/api/incidents/{made['id']}"

    _, resp = await app.asgi_client.post(url + "/publish", headers=anna)
    assert resp.status == 403 and resp.json["code"] == "incident.publish_role"
    assert incidents.active(desk.engine) == []
    _, resp = await app.asgi_client.post(url + "/publish", headers=lea)
    assert resp.status == 200 and resp.json["incident"]["status"] == "active"
    assert resp.json["incident"]["history"][0]["by"] == "lea"

    _, resp = await app.asgi_client.put(url, json={**MAIL, "title": "Mail kaputt"}, headers=anna)
    assert resp.status == 200 and resp.json["incident"]["unpublished_changes"] is True
    assert incidents.active(desk.engine)[0]["title"] == "E-Mail-Versand gestört"

    _, resp = await app.asgi_client.get("/api/incidents", headers=anna)
    assert [i["title"] for i in resp.json["incidents"]] == ["Mail kaputt"]
    no_csrf = {"cookie": anna["cookie"]}
    _, resp = await app.asgi_client.post("/api/incidents", json=MAIL, headers=no_csrf)
    assert resp.status == 403
    agent(desk, "eddi", ("editor",))
    _, resp = await app.asgi_client.get("/api/incidents", headers=await login(app, "eddi", PASSWORD))
    assert resp.status == 403
    _, resp = await app.asgi_client.get("/api/incidents/999", headers=anna)
    assert resp.status == 404


async def test_an_agent_may_publish_where_the_setting_allows_it(app, desk) -> None:
    anna, _ = await staff(app, desk)
    app.ctx.settings = app.ctx.settings.override(SERVICEDESK_INCIDENT_AGENT_PUBLISH="true")
    _, resp = await app.asgi_client.post("/api/incidents", json=MAIL, headers=anna)
    _, resp = await app.asgi_client.post(f"/api/incidents/{resp.json['incident']['id']}/publish", headers=anna)
    assert resp.status == 200 and resp.json["incident"]["status"] == "active"


async def test_bad_fields_are_named_all_at_once(app, desk) -> None:
    anna, _ = await staff(app, desk)
    bad = {"title": "", "symptoms": "x" * 4001, "status_text": "ok", "services": ["a"] * 21, "next_update_at": "9 Uhr"}
    _, resp = await app.asgi_client.post("/api/incidents", json=bad, headers=anna)
    assert resp.status == 400
    assert sorted(resp.json["fields"]) == ["next_update_at", "services", "symptoms", "title"]
    assert "4000" in resp.json["fields"]["symptoms"]
    _, resp = await app.asgi_client.post("/api/incidents/1/updates", json={"text": " "}, headers=anna)
    assert resp.status == 400 and resp.json["field"] == "text"


async def test_resolving_puts_the_message_and_the_closing_question_into_the_chat(app, desk) -> None:
    anna, lea = await staff(app, desk)
    _, resp = await app.asgi_client.post("/api/incidents", json=MAIL, headers=anna)
    url = f"/api/incidents/{resp.json['incident']['id']}"
    _, resp = await app.asgi_client.post(url + "/updates", json={"text": "Noch nicht."}, headers=anna)
    assert resp.status == 409  # not published yet
    await app.asgi_client.post(url + "/publish", headers=lea)

    auth, _ = await employee_says(app, "Ich kann keine Mails verschicken")
    conversation = conversation_of(desk, auth)
    incidents.subscribe(desk.engine, int(url.rsplit("/", 1)[1]), conversation)  # what the chat side will call

    update = {"text": "Der Server startet neu.", "next_update_at": "2026-12-03T10:30:00+01:00"}
    _, resp = await app.asgi_client.post(url + "/updates", json=update, headers=anna)
    assert resp.status == 200 and resp.json["notified"] == 1
    _, resp = await app.asgi_client.post(url + "/updates", json=update, headers=anna)  # a retry
    assert resp.json["notified"] == 0
    _, resp = await app.asgi_client.post(url + "/resolve", json={"text": "Mails gehen wieder."}, headers=anna)
    assert resp.status == 200 and resp.json["notified"] == 1
    assert resp.json["incident"]["status"] == "resolved" and resp.json["incident"]["subscribers"] == 1
    _, resp = await app.asgi_client.post(url + "/resolve", json={"text": "Mails gehen wieder."}, headers=anna)
    assert resp.json["notified"] == 0

    _, history = await app.asgi_client.get("/api/chat/history", headers=auth)
    shown = [m["text"] for m in history.json["messages"]][2:]
    assert shown == [
        "Neue Information zur Störung „E-Mail-Versand gestört“: Der Server startet neu. "
        "Nächste Information gegen 10:30 Uhr.",
        "Die Störung „E-Mail-Versand gestört“ ist behoben: Mails gehen wieder.",
        "Wie zufrieden sind Sie mit der Hilfe in diesem Gespräch?",
    ]
    assert history.json["csat"] == "asked"
    assert history.json["messages"][-1]["data"]["csat"] is True

    # the employee clicks a score: accepted like the bot's own question (the payload was offered)
    score = '/csat{"csat_score": "5"}'
    _, resp = await app.asgi_client.post("/api/chat/messages", json={"text": score, "label": "😄 5"}, headers=auth)
    assert resp.status == 200
    assert csat.asked_path(desk.engine, conversation) == "incident"
    _, resp = await app.asgi_client.put(url, json=MAIL, headers=anna)
    assert resp.status == 409 and resp.json["code"] == "incident.resolved"


async def test_the_list_and_the_record_carry_the_counters(app, desk) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from desk.db import incident_matches

    anna, lea = await staff(app, desk)
    _, resp = await app.asgi_client.post("/api/incidents", json=MAIL, headers=anna)
    iid = resp.json["incident"]["id"]
    await app.asgi_client.post(f"/api/incidents/{iid}/publish", headers=lea)
    at = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    with desk.engine.begin() as conn:
        conn.execute(
            insert(incident_matches).values(
                incident_id=iid, conversation_id="c1", language="de", choice="shown", messages=2, at=at, updated_at=at
            )
        )
    _, resp = await app.asgi_client.get("/api/incidents", headers=anna)
    counters = resp.json["incidents"][0]["counters"]
    assert (counters["matched_messages"], counters["deflected"], counters["escalations"]) == (2, 1, 0)
    _, resp = await app.asgi_client.get(f"/api/incidents/{iid}", headers=anna)
    assert resp.json["incident"]["counters"] == counters
