"""Redaction at rest and the purge with the real Rasa server, action server and web service.

A conversation through the web chat API with an e-mail address and a phone number is stored redacted in our
records and in Rasa's tracker database, while the bot understood it as typed. After moving the clock past the
conversations' period, ``make purge``'s script removes it from both databases and the week's CSAT figures stay.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta

import httpx
import pytest

from desk import csat
from desk.db import now, open_db
from scripts.stack import ROOT, Stack, child_env
from tests.integration.employee import Employee

pytestmark = pytest.mark.integration

TYPED = (
    "Mein Drucker druckt nicht mehr, die Aufträge bleiben hängen. Erreichbar: anna.schmidt@stadt.example, 030 1234567"
)
PERSONAL = ("anna.schmidt", "stadt.example", "1234567")


def tracker_rows(stack: Stack, sender: str) -> list[dict]:
    db = sqlite3.connect(stack.settings.servers.tracker_db)
    try:
        return [json.loads(r[0]) for r in db.execute("select data from events where sender_id = ?", (sender,))]
    finally:
        db.close()


def record_rows(stack: Stack, conversation: str) -> dict[str, list]:
    db = sqlite3.connect(stack.settings.records.db_url.removeprefix("sqlite:///"))
    try:
        return {
            table: db.execute(f"select * from {table} where conversation_id = ?", (conversation,)).fetchall()  # noqa: S608
            for table in ("messages", "csat_ratings", "escalations")
        } | {"conversations": db.execute("select * from conversations where id = ?", (conversation,)).fetchall()}
    finally:
        db.close()


def purge(stack: Stack, *args: str) -> str:
    """``make purge`` (its script) against the stack's databases."""
    out = subprocess.run(
        [sys.executable, "-m", "scripts.purge", *args],
        cwd=ROOT,
        env=child_env(stack.settings),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return out.stdout


def test_a_conversation_is_stored_redacted_and_purged_from_both_databases(stack: Stack) -> None:
    employee = Employee(stack.settings)
    reply = employee.say(TYPED)
    # understood as typed: the printer article is offered with its feedback buttons
    assert [b["title"] for b in reply[-1]["data"]["buttons"]] == ["👍 Ja", "👎 Nein"]
    employee.say("/affirm", "👍 Ja")
    question = [m for m in employee.say("Tschüss") if m["data"].get("csat")][0]
    score = question["data"]["buttons"][4]
    employee.say(score["payload"], score["title"])
    employee.say("Danke, Rückruf bitte an 0171 2345678")  # the optional comment
    conversation = employee.conversation_id

    stored = record_rows(stack, conversation)
    users = [row for row in stored["messages"] if row[2] == "user"]
    assert users[0][3].endswith("Erreichbar: [E-Mail], [Telefon]")
    assert stored["csat_ratings"][0][3] == "Danke, Rückruf bitte an [Telefon]"
    tracker = tracker_rows(stack, conversation)
    typed = [e for e in tracker if e.get("event") == "user" and "Drucker" in (e.get("text") or "")]
    assert typed and typed[0]["text"].endswith("Erreichbar: [E-Mail], [Telefon]")
    assert typed[0]["parse_data"]["intent"]["name"]  # what Rasa understood is kept with the redacted text
    for needle in (*PERSONAL, "2345678"):
        assert needle not in json.dumps(tracker) and needle not in repr(stored)

    # the same through Rasa's own REST channel: the tracker keeps the redacted text
    sender = "rest-channel-retention"
    httpx.post(
        f"{stack.settings.servers.rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": "Ich bin Anna Schmidt, mail an anna.schmidt@stadt.example"},
        timeout=30,
    ).raise_for_status()
    rest = json.dumps(tracker_rows(stack, sender))
    assert "[E-Mail]" in rest and "[Name]" in rest and "anna.schmidt" not in rest and "Schmidt" not in rest

    engine = open_db(stack.settings.records.db_url)
    tz = stack.settings.handoff.hours.tz
    today = datetime.now(tz).date()
    week = (today - timedelta(days=today.weekday()), today - timedelta(days=today.weekday()) + timedelta(days=6))
    before = csat.insights(engine, *week, tz)
    assert before["by_path"]["bot"]["answered"] >= 1

    later = (now() + timedelta(days=31)).isoformat()
    dry = purge(stack, "--dry-run", "--now", later)
    assert "dry run: nothing was changed" in dry and record_rows(stack, conversation)["messages"]
    counts = dict(line.split(" ") for line in dry.splitlines()[:-1])
    assert int(counts["conversations"]) >= 1 and int(counts["tracker_events"]) >= len(tracker)

    early = purge(stack, "--now", (now() + timedelta(days=29)).isoformat())
    assert {line.split(" ")[1] for line in early.splitlines()} == {"0"}
    assert record_rows(stack, conversation)["messages"]  # not before the period

    done = purge(stack, "--now", later)
    assert done.splitlines()[:2] == [f"messages {counts['messages']}", f"conversations {counts['conversations']}"]
    assert record_rows(stack, conversation) == {
        "messages": [],
        "csat_ratings": [],
        "escalations": [],
        "conversations": [],
    }
    assert tracker_rows(stack, conversation) == [] and tracker_rows(stack, sender) == []
    assert csat.insights(engine, *week, tz) == before  # the week's figures are unchanged
    engine.dispose()
