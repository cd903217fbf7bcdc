"""Data-subject export and erasure after real conversations (Rasa, action server, web service, both databases).

Anna (signed in through the intranet) asks, escalates with the form, an agent takes over and makes a ticket, she
rates the chat with a comment; Bert, another employee, chats and rates too; Carla talks to Rasa's REST webhook
alone. Anna is exported and erased through the admin API, Carla with the command line by her conversation id:
afterwards no row of either database mentions them, and Bert's rows are all still there.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine

from desk.db import open_db
from desk.identity import make_identity
from scripts import subject as subject_cli
from scripts.stack import Stack
from settings import ROOT
from tests.integration.conftest import ADMIN, ensure_user, staff_client
from tests.integration.employee import Employee
from tests.mentions import rows_mentioning

pytestmark = pytest.mark.integration
AGENT = {"username": "agent.subject", "password": "agent-subject-password-1", "display_name": "Team Datenschutz"}
SCHEMA_FIXTURE = Path(__file__).resolve().parents[1] / "data" / "rasa_tracker_schema.json"


def signed_in(stack: Stack, sub: str) -> Employee:
    """An employee whose browser got its session from the intranet's identity token."""
    employee = Employee(stack.settings)
    key = stack.settings.identity.secret.get_secret_value().encode()
    resp = employee.http.post("/api/chat/session", json={"identity": make_identity(sub, key)})
    assert resp.status_code == 200, resp.text
    employee.token = resp.json()["session"]
    employee.http.headers["Authorization"] = f"Bearer {employee.token}"
    return employee


def rate(employee: Employee, comment: str) -> None:
    """Goodbye, four of five, and a comment."""
    question = [m for m in employee.say("Tschüss") if m["data"].get("csat")]
    assert question, "no closing question"
    button = question[0]["data"]["buttons"][3]
    assert "Vielen Dank für Ihre Bewertung" in Employee.texts(employee.say(button["payload"], button["title"]))
    assert "Danke für Ihre Rückmeldung" in Employee.texts(employee.say(comment))


def escalate_to_ticket(stack: Stack, anna: Employee) -> str:
    """Anna's printer question goes to a person through the form; an agent opens it and makes a ticket."""
    said = anna.say("Mein Drucker druckt nicht mehr, die Aufträge bleiben hängen. Er heißt Zitronenfalter")
    assert "Hat Ihnen das geholfen?" in Employee.texts(said)
    anna.say("/deny", "Nein")
    assert "Ich gebe Ihr Anliegen an den Service Desk weiter" in Employee.texts(
        anna.say("Ich möchte mit einem Mitarbeiter sprechen")
    )
    # The problem said before is the draft (with its device): one "Ja" confirms both, urgency comes next.
    assert "Wie dringend" in Employee.texts(anna.say("/affirm", "Ja, passt"))
    anna.say('/choose_urgency{"urgency": "many"}', "Mehrere Personen betroffen")
    body = anna.send("Rufen Sie mich an: 0170 5550123")
    assert body["handoff"] == "waiting", Employee.texts(body["messages"])
    ensure_user(stack.settings.servers.web_url, AGENT, ["agent"])
    agent = staff_client(stack.settings.servers.web_url, AGENT)
    try:
        waiting = agent.get("/api/escalations", params={"status": "waiting"}).json()["escalations"]
        mine = [e for e in waiting if agent.get(f"/api/escalations/{e['id']}").json()["conversation_id"]
                == anna.conversation_id]  # fmt: skip
        assert len(mine) == 1
        assert agent.post(f"/api/escalations/{mine[0]['id']}/claim").status_code == 200
        resp = agent.post(f"/api/escalations/{mine[0]['id']}/ticket")
        assert resp.status_code == 200, resp.text
        number = resp.json()["ticket_number"]
    finally:
        agent.close()
    anna.wait_for(number)
    return number


def test_export_and_erase_of_one_person_leave_nothing_of_them_in_either_database(stack: Stack) -> None:
    settings = stack.settings
    anna = signed_in(stack, "anna.quarz")
    number = escalate_to_ticket(stack, anna)
    rate(anna, "Danke, Zitronenfalter läuft wieder")
    anna_first = anna.conversation_id
    assert anna.http.post("/api/chat/new").status_code == 200  # a second conversation of hers
    anna.say("Hallo, hier nochmal Zitronenfalter")
    anna_second = anna.conversation_id
    bert = signed_in(stack, "bert.kiesel")
    assert "Hat Ihnen das geholfen?" in Employee.texts(
        bert.say("Mein Drucker druckt nicht mehr, die Aufträge bleiben hängen")
    )
    bert.say("/affirm", "👍 Ja")
    rate(bert, "Kiesellaster ist zufrieden")
    carla = f"rest-carla-{uuid.uuid4().hex[:8]}"
    url = f"{settings.servers.rasa_url}/webhooks/rest/webhook"
    resp = httpx.post(
        url, json={"sender": carla, "message": "Hallo, Wolkenkratzer hier, mein VPN geht nicht"}, timeout=60
    )
    assert resp.status_code == 200

    records = open_db(settings.records.db_url)
    tracker = create_engine(f"sqlite:///{settings.servers.tracker_db}")
    admin = staff_client(settings.servers.web_url, ADMIN)
    try:
        exported = admin.post("/api/admin/subject/export", json={"user_id": "anna.quarz"})
        assert exported.status_code == 200, exported.text
        found = exported.json()
        assert {c["id"] for c in found["conversations"]} == {anna_first, anna_second}
        counts = found["counts"]
        assert counts["escalations"] == 1 and counts["tickets"] == 1 and counts["csat_ratings"] == 1
        assert counts["messages"] >= 10 and counts["tracker_events"] >= 20
        assert found["tickets"][0]["number"] == number and "Zitronenfalter" in found["tickets"][0]["body"]
        assert "Kiesellaster" not in exported.text and carla not in exported.text
        needles = [found["pseudonym"], anna_first, anna_second, "Zitronenfalter", "5550123", number]
        assert {t for t, _ in rows_mentioning(records, needles)} >= {
            "conversations", "messages", "escalations", "tickets", "csat_ratings",
        }  # fmt: skip
        assert rows_mentioning(tracker, needles)

        erased = admin.post("/api/admin/subject/erase", json={"user_id": "anna.quarz", "confirm": True})
        assert erased.status_code == 200, erased.text
        assert erased.json()["counts"] == counts
        requests_ = admin.get("/api/admin/subject/requests").json()["requests"]
    finally:
        admin.close()
    assert [(r["kind"], r["given"]) for r in requests_[:2]] == [("erase", "user_id"), ("export", "user_id")]
    assert rows_mentioning(records, needles) == []
    assert rows_mentioning(tracker, needles) == []

    # Carla, known only to Rasa, by the conversation id: the command line.
    assert rows_mentioning(tracker, [carla, "Wolkenkratzer"])
    assert subject_cli.main(["erase", "--conversation", carla, "--yes"], settings) == 0
    assert rows_mentioning(tracker, [carla, "Wolkenkratzer"]) == []
    assert rows_mentioning(records, [carla, "Wolkenkratzer"]) == []
    assert subject_cli.main(["export", "--conversation", carla], settings) == 1  # nothing known any more

    # Bert is untouched in both databases.
    bert_rows = {t for t, _ in rows_mentioning(records, [bert.conversation_id, "Kiesellaster"])}
    assert bert_rows >= {"conversations", "messages", "csat_ratings"}
    assert rows_mentioning(tracker, [bert.conversation_id])


def test_the_saved_tracker_schema_is_what_rasa_creates() -> None:
    """The register test reads Rasa's tables from a saved file; here Rasa's own SQLTrackerStore makes them anew."""
    made = subprocess.run(
        [str(ROOT / ".venv-rasa" / "bin" / "python"), "-m", "scripts.tracker_schema"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"},
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert json.loads(made.stdout) == json.loads(SCHEMA_FIXTURE.read_text(encoding="utf-8"))
