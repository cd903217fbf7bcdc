"""The automated actions through the web service: the console's context card and the lead's weekly summary.

The records are written with the desk's own functions (the unlock audit, the request records); the request
records' clock is set, so every step falls in 2026-W45 (Berlin).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import schemathesis
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.transport import Response
from sqlalchemy import Engine

from desk import conversations, unlock_records
from desk.db import now
from desk.requests import records
from settings import ROOT
from tests.unit.desk.request_fixtures import FOLDER
from tests.unit.web.test_console_api import FakeRasa, agent, login, queue

CONV = "conv-automation-1"
WEEK = "?from=2026-11-02&to=2026-11-08"  # 2026-W45
FOLDER_LABEL = "Zugriff auf Ordner/Laufwerk"
SPEC = schemathesis.openapi.from_path(ROOT / "web" / "static" / "openapi.yaml")


def documented(path: str, body: object) -> None:
    """The body of a 200 JSON answer of ``GET path`` as /openapi.yaml documents it (schemathesis' own check)."""
    content = json.dumps(body).encode()
    answer = Response(200, {"content-type": ["application/json"]}, content, None, 0.0, False)  # type: ignore[arg-type]
    SPEC[path]["GET"].validate_response(answer)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in November 2026 in Berlin, as the UTC instant the records keep."""
    return datetime(2026, 11, day, hour, minute, tzinfo=ZoneInfo("Europe/Berlin")).astimezone(UTC)


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def request_id(desk, monkeypatch) -> int:  # noqa: ANN001
    """An unlock (code, wrong code, unlocked) and an approved request with its ticket in CONV; a refused start in
    another conversation. Returns the request's id."""
    engine: Engine = desk.engine
    conversations.ensure_conversation(engine, CONV, "p-automation", "de")
    audit = unlock_records.audit
    audit(engine, conversation_id=CONV, step="start", result="code_sent", at=at(3, 9), account="mmeier")
    audit(engine, conversation_id=CONV, step="verify", result="wrong_code", at=at(3, 9, 2))
    audit(engine, conversation_id=CONV, step="verify", result="unlocked", at=at(3, 9, 4), account="mmeier")
    audit(engine, conversation_id="conv-other", step="start", result="not_locked", at=at(3, 10), account="kschulz")
    clock = {"at": at(3, 9, 5)}
    monkeypatch.setattr(records, "now", lambda: clock["at"])
    found = records.create(
        engine,
        kind="folder_access",
        fields=FOLDER,
        user="p-automation",
        conversation_id=CONV,
        language="de",
        approver="k.schmidt",
    )
    records.await_approval(engine, found.id, nonce_hash="n" * 64, expires_at=at(6, 9))
    clock["at"] = at(4, 8)
    assert records.decide(engine, found.id, nonce_hash="n" * 64, approved=True)
    records.set_ticket(engine, found.id, number="TK-1001", sink="sql")
    return found.id


async def test_the_context_card_lists_unlock_steps_and_requests(app, desk, request_id: int) -> None:  # noqa: ANN001
    agent(desk, "anna")
    anna = await login(app, "anna", "agent-password-1")
    esc = queue(desk, CONV)
    _, resp = await app.asgi_client.get(f"/api/escalations/{esc.id}", headers=anna)
    assert resp.status == 200, resp.text
    number = records.get(desk.engine, request_id).number  # type: ignore[union-attr]
    assert resp.json["actions"] == [
        {"type": "unlock", "at": at(3, 9).isoformat(), "step": "start", "outcome": "code_sent",
         "result": "code_sent", "account": "mmeier"},
        {"type": "unlock", "at": at(3, 9, 2).isoformat(), "step": "verify", "outcome": "wrong_code",
         "result": "wrong_code", "account": None},
        {"type": "unlock", "at": at(3, 9, 4).isoformat(), "step": "verify", "outcome": "unlocked",
         "result": "unlocked", "account": "mmeier"},
        {"type": "request", "at": at(3, 9, 5).isoformat(), "number": number, "kind": "folder_access",
         "kind_label": FOLDER_LABEL, "status": "ticket_created", "approver": "Karin Schmidt (Stadtkasse)",
         "decision": "approved", "decided_at": at(4, 8).isoformat(), "ticket_number": "TK-1001"},
    ]  # fmt: skip
    documented("/api/escalations/{id}", resp.json)
    broken = {**resp.json, "actions": [{**resp.json["actions"][0], "outcome": "opened"}]}
    with pytest.raises((Failure, FailureGroup)):  # the check sees a wrong action
        documented("/api/escalations/{id}", broken)
    other = queue(desk, "conv-without-actions")
    _, resp = await app.asgi_client.get(f"/api/escalations/{other.id}", headers=anna)
    assert resp.status == 200 and resp.json["actions"] == []

    # Once the escalation is closed, its card shows nothing the conversation did afterwards.
    for step in ("claim", "resolve"):
        _, resp = await app.asgi_client.post(f"/api/escalations/{esc.id}/{step}", headers=anna)
        assert resp.status == 200, resp.text
    later = now() + timedelta(seconds=5)
    unlock_records.audit(desk.engine, conversation_id=CONV, step="start", result="not_locked", at=later, account="x")
    _, resp = await app.asgi_client.get(f"/api/escalations/{esc.id}", headers=anna)
    assert resp.json["closed_at"] and len(resp.json["actions"]) == 4
    again = queue(desk, CONV)  # a new escalation of the same conversation sees it
    _, resp = await app.asgi_client.get(f"/api/escalations/{again.id}", headers=anna)
    assert [a.get("result") for a in resp.json["actions"]][-1] == "not_locked"


async def test_the_weekly_summary_csv_and_printable_week_count_the_automated_actions(
    app, desk, request_id: int
) -> None:  # noqa: ANN001
    agent(desk, "lena", ("lead",))
    lead = await login(app, "lena", "agent-password-1")
    _, resp = await app.asgi_client.get("/api/insights/summary" + WEEK, headers=lead)
    assert resp.status == 200, resp.text
    assert resp.json["automation"] == {
        "unlocks": [{"week": "2026-W45", "requested": 2, "code_sent": 1, "unlocked": 1, "blocked": 0, "refused": 1}],
        "requests": [
            {"week": "2026-W45", "kind": "folder_access", "label": FOLDER_LABEL, "submitted": 1, "approved": 1,
             "rejected": 0, "ticket_created": 1}
        ],
    }  # fmt: skip
    documented("/api/insights/summary", resp.json)
    unlocks = resp.json["automation"]["unlocks"]
    with pytest.raises((Failure, FailureGroup)):  # a figure missing
        documented("/api/insights/summary", {**resp.json, "automation": {"unlocks": [{"week": "2026-W45"}]}})
    assert unlocks[0]["week"] == "2026-W45"
    _, resp = await app.asgi_client.get("/api/insights/summary?from=2026-11-09&to=2026-11-15", headers=lead)
    assert resp.json["automation"] == {"unlocks": [], "requests": []}

    _, resp = await app.asgi_client.get("/api/insights/summary.csv" + WEEK, headers=lead)
    assert resp.status == 200 and resp.headers["content-type"].startswith("text/csv")
    lines = resp.text.split("\r\n")
    start = lines.index("Kontoentsperrungen je Kalenderwoche")
    assert lines[start : start + 7] == [
        "Kontoentsperrungen je Kalenderwoche",
        "Woche;Angefragt;Code gesendet;Entsperrt;Gesperrt (3 falsche Codes);Ohne Code",
        "2026-W45;2;1;1;0;1",
        "",
        "Anträge je Kalenderwoche und Art",
        "Woche;Art;Gestellt;Freigegeben;Abgelehnt;Ticket erstellt",
        f"2026-W45;{FOLDER_LABEL};1;1;0;1",
    ]

    _, resp = await app.asgi_client.get("/insights/report?week=2026-W45", headers=lead)
    assert resp.status == 200
    page = resp.text
    assert '<h2 id="s-auto">Automatisch erledigt</h2>' in page
    assert (
        '<tr><th scope="row">2026-W45</th><td class=num>2</td><td class=num>1</td><td class=num>1</td>'
        "<td class=num>0</td><td class=num>1</td></tr>"
    ) in page
    assert (
        f'<tr><th scope="row">2026-W45</th><td>{FOLDER_LABEL}</td><td class=num>1</td><td class=num>1</td>'
        "<td class=num>0</td><td class=num>1</td></tr>"
    ) in page
    _, resp = await app.asgi_client.get("/insights/report?week=2026-W45&lang=en", headers=lead)
    assert "Done automatically" in resp.text and "Account unlocks per calendar week" in resp.text
    assert "<td>Access to a folder/drive</td>" in resp.text and FOLDER_LABEL not in resp.text
