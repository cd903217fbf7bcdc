"""Structured requests through the real stack: Rasa's REST webhook, the action server, the web service's
approval page, an SMTP server (aiosmtpd) for the approval mail, and the records database (issue 19)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from desk import conversations
from desk.db import make_engine, tickets
from desk.identity import make_identity
from desk.requests import approval, records
from scripts.stack import Stack
from tests.integration.conftest import RasaChat
from tests.unit.desk.test_ticket_sinks import Inbox, plain_body

pytestmark = pytest.mark.integration
KEY = b"integration-intranet-key-of-32-bytes"  # the stack's SERVICEDESK_IDENTITY_SECRET


@pytest.fixture(scope="module")
def inbox(stack: Stack, mail_inbox: Inbox) -> Iterator[Inbox]:
    """The stack's SMTP relay (shared with the unlock tests): only this module's mails."""
    mail_inbox.messages.clear()
    yield mail_inbox


def texts(replies: list[dict]) -> str:
    return "\n".join(str(r.get("text", "")) for r in replies)


def converse(chat: RasaChat, kind: str, answers: list[str]) -> list[dict]:
    """Start the form by its button, answer each question, confirm the summary; the last replies."""
    replies = chat.say(f'/start_request{{"request_kind": "{kind}"}}')
    for answer in answers:
        assert replies, f"no question before {answer!r}"
        replies = chat.say(answer)
    assert "Soll ich den Antrag so stellen?" in texts(replies), texts(replies)
    return chat.say("/affirm")


def test_a_software_request_becomes_a_ticket_with_its_fields(stack: Stack, inbox: Inbox) -> None:
    chat = RasaChat(stack.settings, sender="conv-software-1")
    engine = make_engine(stack.settings.records.db_url)
    conversations.ensure_conversation(engine, chat.sender, "employee-1", "de")
    # Asked in words: the decision answers with the article, which offers the request as a button.
    answered = chat.say("Wie kann ich eine neue Software beantragen?")
    offers = [b["payload"] for r in answered for b in r.get("buttons", []) if "start_request" in b["payload"]]
    assert offers == ['/start_request{"request_kind": "software"}'], answered
    first = chat.say(offers[0])
    assert first[0]["text"].startswith("Software? Bitte wählen Sie:")
    assert "GIMP" in [b["title"] for b in first[0]["buttons"]]
    assert texts(chat.say("GIMP")) == "Wofür benötigen Sie die Software?"
    summary = chat.say("Plakate für das Sommerfest gestalten")
    assert "- Software: GIMP (Freie Lizenz (GPL).)" in texts(summary)
    done = texts(chat.say("/affirm"))
    found = re.search(r"Antrag (AN-\d{4}-\d{6}) \(Software beantragen\) ist das Ticket (SD-\d{4}-\d{6}) erstellt", done)
    assert found, done
    with engine.connect() as conn:
        row = conn.execute(select(tickets).where(tickets.c.number == found.group(2))).one()
    assert row.request_kind == "software" and row.customer == "employee-1"
    assert row.fields["software"]["value"] == "GIMP"
    assert row.fields["reason"]["value"] == "Plakate für das Sommerfest gestalten"
    assert inbox.messages == []
    engine.dispose()


def test_folder_access_is_approved_by_the_data_owner_and_the_employee_sees_it(stack: Stack, inbox: Inbox) -> None:
    chat = RasaChat(stack.settings, sender="conv-folder-1")
    engine = make_engine(stack.settings.records.db_url)
    conversations.ensure_conversation(engine, chat.sender, "employee-2", "de")
    said = texts(converse(chat, "folder_access", ["Stadtkasse (S:\\Stadtkasse)", "lesen", "Kassenprüfung"]))
    assert "wartet auf die Freigabe durch Karin Schmidt (Stadtkasse)" in said
    [request] = records.of_user(engine, "employee-2")
    assert request.status == "waiting_approval" and request.ticket_number is None
    [(_, rcpt, msg)] = [m for m in inbox.messages if m[1] == ["k.schmidt@stadt.example"]]
    link = re.search(r"(http://\S+/antraege/freigabe\?t=\S+)", plain_body(msg))
    assert link, plain_body(msg)
    web = httpx.Client(timeout=30)
    shown = web.get(link.group(1))
    assert shown.status_code == 200 and "Kassenprüfung" in shown.text
    assert records.get(engine, request.id).status == "waiting_approval"  # opening the link decided nothing
    token = link.group(1).split("?t=")[1]
    page = f"{stack.settings.servers.web_url}{approval.PATH}"
    stranger = {"t": token, "decision": "approve", "identity": make_identity("p.yilmaz", KEY)}
    assert web.post(page, data=stranger).status_code == 403
    owner = {"t": token, "decision": "approve", "identity": make_identity("k.schmidt", KEY)}
    decided = web.post(page, data=owner)
    assert decided.status_code == 200 and "freigegeben" in decided.text
    assert web.post(page, data=owner).status_code == 410  # used
    forged = {**owner, "t": token[:-4] + "AAAA"}
    assert web.post(page, data=forged).status_code == 403
    done = records.get(engine, request.id)
    assert done.status == "ticket_created" and done.ticket_number
    pushed = [m["text"] for m in conversations.messages_after(engine, chat.sender)]
    assert pushed == [
        f"Ihr Antrag {request.number} (Zugriff auf Ordner/Laufwerk) wurde freigegeben.",
        f"Für Ihren Antrag {request.number} (Zugriff auf Ordner/Laufwerk) ist das Ticket {done.ticket_number} "
        "erstellt; der Service Desk bearbeitet ihn jetzt.",
    ]
    status = texts(chat.say(f"Wie ist der Stand von {request.number}?"))
    assert status.endswith(f": in Bearbeitung beim Service Desk. Ticket: {done.ticket_number}."), status
    web.close()
    engine.dispose()
