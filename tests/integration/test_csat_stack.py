"""The one-click closing question with the real Rasa server, action server and web service."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from desk import csat
from desk.db import messages, now, open_db
from scripts.stack import Stack
from tests.integration.employee import Employee

pytestmark = pytest.mark.integration


def csat_question(messages_: list[dict]) -> dict:
    (question,) = [m for m in messages_ if m["data"].get("csat")]
    return question


def test_goodbye_asks_once_and_one_click_stores_the_rating_anonymously(stack: Stack) -> None:
    employee = Employee(stack.settings)
    reply = employee.say("Mein Drucker druckt nicht mehr, die Aufträge bleiben hängen")
    assert [b["title"] for b in reply[-1]["data"]["buttons"]] == ["👍 Ja", "👎 Nein"]
    employee.say("/affirm", "👍 Ja")
    question = csat_question(employee.say("Tschüss"))
    assert question["text"] == "Wie zufrieden sind Sie mit der Hilfe in diesem Gespräch?"
    buttons = question["data"]["buttons"]
    assert [b["payload"] for b in buttons] == [f'/csat{{"csat_score": "{n}"}}' for n in range(1, 6)]
    assert buttons[0]["title"].endswith("sehr unzufrieden") and buttons[4]["title"].endswith("sehr zufrieden")
    assert not any(m["data"].get("csat") for m in employee.say("Danke!"))  # not asked twice

    reply = employee.say(buttons[3]["payload"], buttons[3]["title"])
    said = Employee.texts(reply)
    assert "Vielen Dank für Ihre Bewertung" in said and "Möchten Sie uns noch etwas mitteilen" in said
    rating = csat.rating_of(open_db(stack.settings.records.db_url), employee.conversation_id)
    assert rating is not None and rating["score"] == 4 and rating["resolution_path"] == "bot"
    assert rating["articles"] == ["drucker-druckt-nicht"] and rating["language"] == "de"
    reply = employee.say("Sehr schnelle Hilfe, danke!")
    assert "Danke für Ihre Rückmeldung" in Employee.texts(reply)
    db = sqlite3.connect(stack.settings.records.db_url.removeprefix("sqlite:///"))
    columns = [r[1] for r in db.execute("pragma table_info(csat_ratings)")]
    assert not any("user" in c or "pseudonym" in c for c in columns)  # anonymous by design
    assert db.execute(
        "select comment from csat_ratings where conversation_id = ?", (employee.conversation_id,)
    ).fetchone() == ("Sehr schnelle Hilfe, danke!",)
    votes = db.execute("select helpful from article_feedback where slug = 'drucker-druckt-nicht'").fetchall()
    assert (1,) in votes


def test_any_rasa_channel_gets_the_same_buttons(stack: Stack) -> None:
    url = f"{stack.settings.servers.rasa_url}/webhooks/rest/webhook"
    sender = "rest-channel-csat"
    reply = httpx.post(url, json={"sender": sender, "message": "Auf Wiedersehen"}, timeout=30).json()
    question = [m for m in reply if m.get("buttons")][0]
    assert question["buttons"][4]["payload"] == '/csat{"csat_score": "5"}'
    reply = httpx.post(url, json={"sender": sender, "message": question["buttons"][4]["payload"]}, timeout=30).json()
    assert "Vielen Dank für Ihre Bewertung" in Employee.texts(reply)
    reply = httpx.post(url, json={"sender": sender, "message": "/skip"}, timeout=30).json()
    assert "bis zum nächsten Mal" in Employee.texts(reply)
    rating = csat.rating_of(open_db(stack.settings.records.db_url), sender)
    assert rating is not None and rating["score"] == 5 and rating["comment"] is None


def test_end_button_and_inactivity_ask_once(stack: Stack) -> None:
    employee = Employee(stack.settings)
    employee.say("Hallo")
    first = employee.http.post("/api/chat/end").json()["messages"]
    assert csat_question(first)
    again = employee.http.post("/api/chat/end").json()["messages"]
    assert not any(m["data"].get("csat") for m in again) and "Das Gespräch ist beendet" in Employee.texts(again)

    quiet = Employee(stack.settings)
    quiet.say("Mein VPN geht nicht, Fehler 809")
    engine = open_db(stack.settings.records.db_url)
    with engine.begin() as conn:  # as if the employee had left the chat 15 minutes ago
        conn.execute(
            update(messages)
            .where(messages.c.conversation_id == quiet.conversation_id)
            .values(created_at=now() - timedelta(minutes=15))
        )
    history = quiet.http.get("/api/chat/history").json()  # loading a page asks nothing
    assert history["csat"] == "none" and not any(m["data"].get("csat") for m in history["messages"])
    opened = quiet.http.post("/api/chat/open").json()  # opening the chat does, once
    assert csat_question(opened["messages"])
    assert quiet.http.post("/api/chat/open").json()["messages"] == []
    history = quiet.http.get("/api/chat/history").json()
    assert history["csat"] == "asked" and sum(1 for m in history["messages"] if m["data"].get("csat")) == 1
    reply = quiet.say('/csat{"csat_score": "2"}', "2")
    assert "Vielen Dank" in Employee.texts(reply)
    rating = csat.rating_of(engine, quiet.conversation_id)
    assert rating is not None and rating["resolution_path"] == "abandoned"


def test_the_websocket_pushes_stored_messages_and_refuses_foreign_origins(stack: Stack) -> None:
    import asyncio
    import json

    import websockets

    employee = Employee(stack.settings)
    url = f"ws://{stack.settings.servers.host}:{stack.settings.servers.web_port}/api/chat/ws"

    async def listen() -> list[str]:
        async with websockets.connect(url, origin=stack.settings.servers.allowed_origins[0]) as ws:
            await ws.send(json.dumps({"session": employee.token, "after": 0}))
            await asyncio.to_thread(employee.say, "Hallo")
            texts_: list[str] = []
            while not any("Guten Tag" in t for t in texts_):
                frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if frame["type"] == "messages":
                    texts_ += [m["text"] for m in frame["messages"]]
            return texts_

    pushed = asyncio.run(listen())
    assert pushed[0] == "Hallo" and any("Guten Tag" in t for t in pushed)

    async def foreign() -> int | None:
        try:
            async with websockets.connect(url, origin="http://evil.example") as ws:
                await ws.send(json.dumps({"session": employee.token, "after": 0}))
                await asyncio.wait_for(ws.recv(), 10)
        except websockets.ConnectionClosed as exc:
            return exc.rcvd.code if exc.rcvd else None
        return None

    assert asyncio.run(foreign()) == 4403
