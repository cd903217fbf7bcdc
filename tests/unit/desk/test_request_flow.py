"""A request's way: catalogue check, approval mail to a real SMTP server, signed single-use link, decision,
ticket with the structured fields, news in the employee's conversation, status in the chat's words."""

from __future__ import annotations

import time

import jwt
import pytest
from sqlalchemy import Engine, select

from desk.db import service_requests, tickets
from desk.identity import ALGORITHM
from desk.requests import approval, flow, records, status
from desk.requests.approval import LinkRefused
from desk.tickets.base import TicketDraft, TicketError, TicketRef
from tests.unit.desk.request_fixtures import (
    CONVERSATION,
    FOLDER,
    SECRET,
    SENDER,
    SOFTWARE,
    USER,
    chat_texts,
    inbox,
    link_token,
    make_desk,
)
from tests.unit.desk.test_ticket_sinks import Inbox, plain_body

__all__ = ["inbox"]


def ticket_row(engine: Engine, number: str) -> object:
    with engine.connect() as conn:
        return conn.execute(select(tickets).where(tickets.c.number == number)).one()


def submit_folder(desk: flow.RequestDesk) -> records.ServiceRequest:
    return flow.submit(
        desk, kind="folder_access", values=FOLDER, user=USER, conversation_id=CONVERSATION, language="de"
    )


def test_a_request_without_approver_becomes_a_ticket_with_its_fields(engine: Engine, inbox: Inbox) -> None:
    desk = make_desk(engine, inbox)
    done = flow.submit(desk, kind="software", values=SOFTWARE, user=USER, conversation_id=CONVERSATION, language="de")
    assert done.status == "ticket_created" and done.number.startswith("AN-")
    assert done.fields == {"software": "gimp", "reason": "Bilder für das Amtsblatt zuschneiden"}
    row = ticket_row(engine, str(done.ticket_number))
    assert (row.request_kind, row.customer, row.sink) == ("software", USER, "sql")  # type: ignore[attr-defined]
    assert row.fields == {  # type: ignore[attr-defined]
        "software": {"label": "Software", "value": "GIMP"},
        "reason": {"label": "Wofür benötigen Sie die Software?", "value": "Bilder für das Amtsblatt zuschneiden"},
    }
    assert row.title == f"Antrag {done.number}: Software beantragen"  # type: ignore[attr-defined]
    assert "Antrag:\n  Software:" in row.body  # type: ignore[attr-defined]
    assert inbox.messages == []  # nobody to ask
    assert chat_texts(engine) == [
        f"Für Ihren Antrag {done.number} (Software beantragen) ist das Ticket {done.ticket_number} erstellt; "
        "der Service Desk bearbeitet ihn jetzt."
    ]


def test_the_catalogue_refuses_unknown_kinds_and_missing_or_invalid_fields(engine: Engine, inbox: Inbox) -> None:
    desk = make_desk(engine, inbox)
    with pytest.raises(flow.RequestError) as unknown:
        flow.submit(desk, kind="yacht", values={}, user=USER, conversation_id=None, language="de")
    assert unknown.value.code == "kind"
    with pytest.raises(flow.RequestError) as wrong:
        flow.submit(
            desk,
            kind="hardware",
            values={"item": "yacht", "reason": ""},
            user=USER,
            conversation_id=None,
            language="de",
        )
    assert (wrong.value.code, wrong.value.fields) == ("fields", ("item", "cost_centre"))
    assert records.of_user(engine, USER) == []


def test_approval_by_the_data_owner_makes_the_ticket_and_tells_the_employee(engine: Engine, inbox: Inbox) -> None:
    desk = make_desk(engine, inbox)
    waiting = submit_folder(desk)
    assert (waiting.status, waiting.approver, waiting.ticket_number) == ("waiting_approval", "k.schmidt", None)
    [(mail_from, rcpt, msg)] = inbox.messages
    assert (mail_from, rcpt) == (SENDER, ["k.schmidt@stadt.example"])
    assert msg["Subject"] == f"Freigabe erbeten: Zugriff auf Ordner/Laufwerk ({waiting.number})"
    body = plain_body(msg)
    assert body.index("Guten Tag Karin Schmidt") < body.index("Dear Karin Schmidt")  # German first
    assert "Ordner oder Laufwerk: Stadtkasse (S:\\Stadtkasse)" in body and "Begründung: Kassenabschluss" in body
    token = link_token(msg)
    with pytest.raises(LinkRefused) as stranger:
        flow.decide(desk, token=token, identity="p.yilmaz", approved=True)  # a real approver, of other shares
    assert (stranger.value.code, stranger.value.status) == ("approver", 403)
    assert records.get(engine, waiting.id).status == "waiting_approval"  # type: ignore[union-attr]
    done = flow.decide(desk, token=token, identity="k.schmidt", approved=True)
    assert done.status == "ticket_created" and done.decided_at is not None
    row = ticket_row(engine, str(done.ticket_number))
    assert row.request_kind == "folder_access"  # type: ignore[attr-defined]
    assert row.fields["share"]["value"] == "Stadtkasse (S:\\Stadtkasse)"  # type: ignore[attr-defined]
    assert "Freigegeben von Karin Schmidt (Stadtkasse)." in row.body  # type: ignore[attr-defined]
    said = chat_texts(engine)
    assert said[0].startswith(f"Ihr Antrag {waiting.number} (Zugriff auf Ordner/Laufwerk) ist eingegangen.")
    assert said[1:] == [
        f"Ihr Antrag {waiting.number} (Zugriff auf Ordner/Laufwerk) wurde freigegeben.",
        f"Für Ihren Antrag {waiting.number} (Zugriff auf Ordner/Laufwerk) ist das Ticket {done.ticket_number} "
        "erstellt; der Service Desk bearbeitet ihn jetzt.",
    ]
    with pytest.raises(LinkRefused) as reused:
        flow.decide(desk, token=token, identity="k.schmidt", approved=False)
    assert (reused.value.code, reused.value.status) == ("used", 410)
    assert records.get(engine, waiting.id).status == "ticket_created"  # type: ignore[union-attr]


def test_a_rejection_makes_no_ticket_and_is_said_in_english_to_an_english_chat(engine: Engine, inbox: Inbox) -> None:
    desk = make_desk(engine, inbox)
    waiting = flow.submit(
        desk, kind="folder_access", values=FOLDER, user=USER, conversation_id=CONVERSATION, language="en"
    )
    done = flow.decide(desk, token=link_token(inbox.messages[0][2]), identity="k.schmidt", approved=False)
    assert (done.status, done.ticket_number) == ("rejected", None)
    assert chat_texts(engine)[-1] == (
        f"Unfortunately your request {waiting.number} (Access to a folder/drive) was not approved. "
        "If you have questions, please contact Karin Schmidt (Stadtkasse)."
    )
    with engine.connect() as conn:
        assert conn.execute(select(tickets)).all() == []


def test_forged_and_expired_links_are_refused(engine: Engine, inbox: Inbox) -> None:
    desk = make_desk(engine, inbox)
    waiting = submit_folder(desk)
    token = link_token(inbox.messages[0][2])
    head, claims, sig = token.split(".")
    with pytest.raises(LinkRefused) as missing:
        approval.check(engine, SECRET, "")
    assert (missing.value.code, missing.value.status) == ("forged", 400)
    forged = [
        "not-a-token",
        f"{head}.{claims}.{sig[:-2]}xx",  # signature changed
        approval.issue(b"another installation's secret", waiting.id, 3600).token,
        jwt.encode({"r": waiting.id, "n": "x", "exp": int(time.time()) + 60, "aud": approval.AUDIENCE}, "", "none"),
        approval.issue(SECRET, waiting.id + 1, 3600).token,  # a well-signed link to a request that does not exist
        jwt.encode({"r": waiting.id, "exp": int(time.time()) + 60}, SECRET, ALGORITHM),  # the raw secret
    ]
    for token_ in forged:
        with pytest.raises(LinkRefused) as refused:
            approval.check(engine, SECRET, token_)
        assert (refused.value.code, refused.value.status) == ("forged", 403), token_
    expired = approval.issue(SECRET, waiting.id, 60, at=time.time() - 3600)
    records.await_approval(engine, waiting.id, nonce_hash=expired.nonce_hash, expires_at=expired.expires_at)
    with pytest.raises(LinkRefused) as late:
        approval.check(engine, SECRET, expired.token)
    assert (late.value.code, late.value.status) == ("expired", 410)
    with pytest.raises(LinkRefused) as replaced:
        approval.check(engine, SECRET, token)  # the mailed link was replaced by a newer one
    assert replaced.value.code == "used"
    with engine.connect() as conn:
        stored = conn.execute(select(service_requests.c.approval_nonce)).scalar_one()
    assert stored == expired.nonce_hash and stored not in expired.token  # only the hash is kept


def test_a_link_decides_once_even_when_clicked_twice_at_once(engine: Engine, inbox: Inbox) -> None:
    desk = make_desk(engine, inbox)
    waiting = submit_folder(desk)
    found, digest = approval.check(engine, SECRET, link_token(inbox.messages[0][2]))
    assert found.id == waiting.id
    assert records.decide(engine, waiting.id, nonce_hash=digest, approved=True) is True
    assert records.decide(engine, waiting.id, nonce_hash=digest, approved=False) is False
    assert records.get(engine, waiting.id).status == "approved"  # type: ignore[union-attr]


class FailingSink:
    name = "sql"

    def create(self, draft: TicketDraft) -> TicketRef:
        raise TicketError("down")

    def status(self, number: str) -> None:
        return None


def test_a_failing_ticket_system_keeps_the_request_and_says_so(engine: Engine, inbox: Inbox) -> None:
    desk = make_desk(engine, inbox, sink=FailingSink())
    done = flow.submit(desk, kind="software", values=SOFTWARE, user=USER, conversation_id=CONVERSATION, language="de")
    assert (done.status, done.ticket_number) == ("submitted", None)
    assert "Das Ticketsystem antwortet gerade nicht" in chat_texts(engine)[-1]


def test_the_status_names_only_the_own_requests(engine: Engine, inbox: Inbox) -> None:
    desk = make_desk(engine, inbox)
    assert status.describe(engine, desk.catalogue, user=USER, language="de") == ["Ich finde keinen Antrag von Ihnen."]
    first = flow.submit(desk, kind="software", values=SOFTWARE, user=USER, conversation_id=None, language="de")
    second = submit_folder(desk)
    other = flow.submit(desk, kind="software", values=SOFTWARE, user="u-other", conversation_id=None, language="de")
    lines = status.describe(engine, desk.catalogue, user=USER, language="de")
    assert [line.split(" (")[0] for line in lines] == [f"Antrag {second.number}", f"Antrag {first.number}"]
    assert lines[0].endswith(": wartet auf Freigabe.")
    assert lines[1].endswith(f": in Bearbeitung beim Service Desk. Ticket: {first.ticket_number}.")
    asked = f"Wie steht mein Antrag {first.number.lower()}?"
    assert status.describe(engine, desk.catalogue, user=USER, language="en", message=asked) == [
        status.line(records.get(engine, first.id), desk.catalogue, "en")  # type: ignore[arg-type]
    ]
    assert status.describe(engine, desk.catalogue, user=USER, language="de", message=f"und {other.number}?") == [
        f"Einen Antrag {other.number} finde ich bei Ihnen nicht."
    ]


def test_the_purge_deletes_requests_after_the_escalations_period(engine: Engine, inbox: Inbox) -> None:
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from desk import retention
    from tests.conftest import plain_settings

    desk = make_desk(engine, inbox)
    done = flow.submit(desk, kind="software", values=SOFTWARE, user=USER, conversation_id=None, language="de")
    period = plain_settings().retention
    tz = ZoneInfo("Europe/Berlin")
    soon = retention.purge(engine, period, tz=tz, now=done.updated_at + timedelta(days=period.escalations_days - 1))
    assert soon["service_requests"] == 0 and records.get(engine, done.id) is not None
    late = retention.purge(engine, period, tz=tz, now=done.updated_at + timedelta(days=period.escalations_days + 1))
    assert late["service_requests"] == 1 and records.get(engine, done.id) is None


def test_a_ticket_the_sink_refused_is_made_by_the_retry_once(engine: Engine, inbox: Inbox) -> None:
    from dataclasses import replace

    from desk.tickets.sql import SqlTicketSink

    down = make_desk(engine, inbox, sink=FailingSink())
    kept = flow.submit(down, kind="software", values=SOFTWARE, user=USER, conversation_id=CONVERSATION, language="de")
    assert kept.status == "submitted"
    up = replace(down, sink=SqlTicketSink(engine))
    assert flow.retry_tickets(up) == 0  # too fresh: its creator may still be at it
    assert flow.retry_tickets(up, older_than_s=-1) == 1
    done = records.get(engine, kept.id)
    assert done is not None and done.status == "ticket_created" and done.ticket_number
    assert chat_texts(engine)[-1].startswith(f"Für Ihren Antrag {kept.number} (Software beantragen) ist das Ticket")
    assert flow.retry_tickets(up, older_than_s=-1) == 0  # made once
    waiting = submit_folder(up)
    assert flow.retry_tickets(up, older_than_s=-1) == 0 and records.get(engine, waiting.id).status == "waiting_approval"  # type: ignore[union-attr]
