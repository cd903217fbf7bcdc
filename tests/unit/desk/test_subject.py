"""Data-subject requests on real SQLite databases: the records and a tracker database shaped like Rasa's."""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import create_engine, insert, select

from desk import accounts, attachments, conversations, csat, escalations, gaps, notes, rasa_tracker, subject
from desk.db import subject_requests
from desk.identity import employee, pseudonym
from desk.ticketing import create_ticket
from tests.mentions import rows_mentioning


@pytest.fixture
def tracker(tmp_path):  # noqa: ANN001, ANN201 - the tracker database's path
    path = tmp_path / "tracker.db"
    engine = create_engine(f"sqlite:///{path}")
    rasa_tracker.tracker_metadata.create_all(engine)
    engine.dispose()
    return path


def add_events(path, sender: str, text: str) -> None:  # noqa: ANN001
    engine = create_engine(f"sqlite:///{path}")
    rows = [
        {"sender_id": sender, "type_name": "user", "timestamp": 1.0, "intent_name": "it_request",
         "data": json.dumps({"event": "user", "text": text})},
        {"sender_id": sender, "type_name": "slot", "timestamp": 2.0, "intent_name": None,
         "data": json.dumps({"event": "slot", "name": "kb_query", "value": text})},
        {"sender_id": sender, "type_name": "bot", "timestamp": 3.0, "intent_name": None,
         "data": json.dumps({"text": "Antwort"})},
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(rasa_tracker.events), rows)
    engine.dispose()


def person(desk, tracker, sub: str, words: str, *, escalate: bool) -> tuple[str, str]:  # noqa: ANN001
    """A signed-in employee's conversation with messages, tracker events, a gap, a rating (and an escalation)."""
    user = employee(desk.secret, sub).user(desk.secret)
    cid = conversations.start(desk.engine, user)
    conversations.add_message(desk.engine, cid, "user", f"{words} geht nicht")
    shot = attachments.NewAttachment("image/png", 2, 1, b"\x89PNG-pixels", f"Fehler: {words}", "read")
    with desk.engine.begin() as conn:
        attachments.insert_in(conn, cid, shot)
    conversations.add_message(desk.engine, cid, "bot", "Dazu habe ich nichts gefunden.")
    add_events(tracker, cid, f"{words} geht nicht")
    assert gaps.record_gap(
        desk.engine, secret=desk.secret, conversation_id=cid, question=f"{words} geht nicht", reason="none",
        language="de",
    )  # fmt: skip
    if escalate:
        esc = escalations.create(
            desk.engine, conversation_id=cid, user_pseudonym=user, language="de", reason="no_answer",
            details={"description": f"{words} geht nicht", "contact": "0170 1234567"}, intents=[], articles=[],
            transcript=[{"role": "user", "text": f"{words} geht nicht"}], status="ticket",
        )  # fmt: skip
        assert create_ticket(desk.engine, desk.sink, esc) is not None
        staff = accounts.Account(id=1, username="anna.agent", display_name="Anna", roles=("agent",))
        notes.add(desk.engine, esc.id, account=staff, text=f"Intern: {words} schon zweimal gemeldet")
    csat.mark_asked(desk.engine, cid, "ticket" if escalate else "bot")
    csat.store_rating(desk.engine, conversation_id=cid, score=2, path="bot", articles=[], language="de")
    csat.add_comment(desk.engine, cid, f"{words} war schwierig")
    return user, cid


def test_export_by_user_id_has_everything_of_that_person_and_nothing_of_another(desk, tracker) -> None:
    anna, anna_cid = person(desk, tracker, "anna.m", "Beamerwolke", escalate=True)
    _, bert_cid = person(desk, tracker, "bert.k", "Druckernebel", escalate=True)
    found = subject.export(desk.engine, tracker, desk.secret, subject.by_user_id(desk.secret, "anna.m"))
    assert found["pseudonym"] == anna
    assert found["counts"] == {
        "conversations": 1, "messages": 2, "attachments": 1, "escalations": 1, "escalation_notes": 1, "tickets": 1,
        "csat_ratings": 1,
        "knowledge_gaps": 1, "tracker_events": 3, "service_requests": 0,
    }  # fmt: skip
    (conv,) = found["conversations"]
    assert conv["id"] == anna_cid and [m["text"] for m in conv["messages"]][0] == "Beamerwolke geht nicht"
    assert conv["csat"]["comment"] == "Beamerwolke war schwierig"
    assert [e["data"]["text"] for e in conv["tracker_events"] if e["type_name"] == "user"] == ["Beamerwolke geht nicht"]
    assert found["escalations"][0]["details"]["contact"] == "0170 1234567"
    assert "Beamerwolke" in found["tickets"][0]["body"]
    assert [n["text"] for n in found["escalations"][0]["notes"]] == ["Intern: Beamerwolke schon zweimal gemeldet"]
    assert found["knowledge_gaps"][0]["question"] == "Beamerwolke geht nicht"
    assert conv["attachments"][0]["ocr_text"] == "Fehler: Beamerwolke"
    assert base64.b64decode(conv["attachments"][0]["content_base64"]) == b"\x89PNG-pixels"
    blob = json.dumps(found)
    assert bert_cid not in blob and "Druckernebel" not in blob
    # The same person when an agent's conversation id is given.
    by_cid = subject.by_conversation(desk.engine, tracker, desk.secret, anna_cid)
    assert by_cid.pseudonym == anna and by_cid.given == "conversation"


def test_erase_leaves_no_row_that_mentions_the_person_and_keeps_the_other(desk, tracker) -> None:
    anna, anna_cid = person(desk, tracker, "anna.m", "Beamerwolke", escalate=True)
    bert, bert_cid = person(desk, tracker, "bert.k", "Druckernebel", escalate=True)
    ticket_number = escalations.get(desk.engine, 1).ticket_number
    removed = subject.erase(desk.engine, tracker, desk.secret, subject.by_user_id(desk.secret, "anna.m"))
    assert removed == {
        "conversations": 1, "messages": 2, "attachments": 1, "escalations": 1, "escalation_notes": 1, "tickets": 1,
        "csat_ratings": 1,
        "knowledge_gaps": 1, "tracker_events": 3, "service_requests": 0,
    }  # fmt: skip
    tracker_engine = create_engine(f"sqlite:///{tracker}")
    for engine in (desk.engine, tracker_engine):
        assert rows_mentioning(engine, [anna, anna_cid, "Beamerwolke", ticket_number]) == []
    # Bert's rows are all still there, in both databases.
    assert {t for t, _ in rows_mentioning(desk.engine, [bert, bert_cid, "Druckernebel"])} == {
        "conversations", "messages", "attachments", "escalations", "escalation_notes", "tickets", "csat_ratings",
        "knowledge_gaps",
    }  # fmt: skip
    assert len(rasa_tracker.export_events(tracker, [bert_cid])) == 3
    # A second erase finds nothing.
    again = subject.erase(desk.engine, tracker, desk.secret, subject.by_user_id(desk.secret, "anna.m"))
    assert set(again.values()) == {0}


def test_a_conversation_only_rasa_knows_is_found_and_erased(desk, tracker) -> None:
    add_events(tracker, "rest-sender-1", "Mein Name ist Clara Quarz")
    add_events(tracker, "rest-sender-2", "VPN geht nicht")
    found = subject.by_conversation(desk.engine, tracker, desk.secret, "rest-sender-1")
    assert found.pseudonym == pseudonym(desk.secret, "rasa:rest-sender-1")
    assert subject.erase(desk.engine, tracker, desk.secret, found)["tracker_events"] == 3
    assert [e["sender_id"] for e in rasa_tracker.export_events(tracker, ["rest-sender-1", "rest-sender-2"])] == [
        "rest-sender-2"
    ] * 3
    with pytest.raises(subject.SubjectError):
        subject.by_conversation(desk.engine, tracker, desk.secret, "rest-sender-1")
    with pytest.raises(subject.SubjectError):
        subject.by_conversation(desk.engine, tracker, desk.secret, "never-seen")


def test_the_request_audit_keeps_counts_and_never_the_person(desk, tracker) -> None:
    anna, anna_cid = person(desk, tracker, "anna.m", "Beamerwolke", escalate=False)
    counted = subject.erase(desk.engine, tracker, desk.secret, subject.by_user_id(desk.secret, "anna.m"))
    subject.log_request(desk.engine, actor="admin", kind="erase", given="user_id", counted=counted)
    (row,) = subject.requests(desk.engine)
    assert (row["actor"], row["kind"], row["given"]) == ("admin", "erase", "user_id")
    assert row["counts"]["messages"] == 2 and row["counts"]["tracker_events"] == 3
    with desk.engine.connect() as conn:
        stored = json.dumps([dict(r._mapping) for r in conn.execute(select(subject_requests))], default=str)
    assert anna not in stored and anna_cid not in stored and "anna.m" not in stored
    with pytest.raises(ValueError):
        subject.log_request(desk.engine, actor="admin", kind="peek", given="user_id", counted={})


def test_a_missing_tracker_database_has_no_events_and_is_not_created(tmp_path) -> None:
    path = tmp_path / "none.db"
    assert rasa_tracker.export_events(path, ["c1"]) == []
    assert rasa_tracker.delete_events(str(path), ["c1"]) == 0
    assert not path.exists()


def test_an_incident_subscription_is_exported_and_erased_with_the_conversation(desk, tracker) -> None:
    from desk import incidents
    from tests.unit.desk.test_incidents import AGENT, published

    anna, anna_cid = person(desk, tracker, "anna.m", "Beamerwolke", escalate=False)
    incident_id = published(desk.engine)
    incidents.subscribe(desk.engine, incident_id, anna_cid)
    found = subject.export(desk.engine, tracker, desk.secret, subject.by_user_id(desk.secret, "anna.m"))
    (subscription,) = found["conversations"][0]["incident_subscriptions"]
    assert subscription["incident_title"] == "E-Mail-Versand gestört"
    subject.erase(desk.engine, tracker, desk.secret, subject.by_user_id(desk.secret, "anna.m"))
    assert rows_mentioning(desk.engine, [anna, anna_cid]) == []
    assert incidents.get(desk.engine, incident_id)["subscribers"] == 0
    assert incidents.resolve(desk.engine, incident_id, text="Behoben.", account=AGENT) == 0


def test_structured_requests_are_exported_and_erased_with_their_tickets(desk, tracker) -> None:  # noqa: ANN001
    from desk.requests import flow
    from tests.unit.desk.request_fixtures import shipped

    def request(sub: str, reason: str) -> tuple[str, str]:
        user = employee(desk.secret, sub).user(desk.secret)
        cid = conversations.start(desk.engine, user)
        mailer = None  # software needs no approval: no mail
        requests = flow.RequestDesk(desk.engine, desk.secret, desk.sink, shipped(), mailer, "https://sd.example")  # type: ignore[arg-type]
        values = {"software": "gimp", "reason": reason}
        found = flow.submit(requests, kind="software", values=values, user=user, conversation_id=cid, language="de")
        return cid, str(found.ticket_number)

    anna_cid, anna_ticket = request("anna.m", "Plakate für das Sommerfest")
    bert_cid, _ = request("bert.k", "Fotos für das Amtsblatt")
    found = subject.export(desk.engine, tracker, desk.secret, subject.by_user_id(desk.secret, "anna.m"))
    assert found["counts"]["service_requests"] == 1 and found["counts"]["tickets"] == 1
    [row] = found["service_requests"]
    assert row["fields"]["reason"] == "Plakate für das Sommerfest" and "approval_nonce" not in row
    assert "Fotos" not in json.dumps(found)
    removed = subject.erase(desk.engine, tracker, desk.secret, subject.by_user_id(desk.secret, "anna.m"))
    assert (removed["service_requests"], removed["tickets"]) == (1, 1)
    assert rows_mentioning(desk.engine, [anna_cid, anna_ticket, "Sommerfest"]) == []
    assert {t for t, _ in rows_mentioning(desk.engine, [bert_cid, "Amtsblatt"])} >= {"service_requests", "tickets"}
