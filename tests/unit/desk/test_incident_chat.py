"""What the chat records about incidents, and the live list of active incidents every process matches against."""

from __future__ import annotations

from desk import escalations, incident_chat, incidents
from desk.live_incidents import LiveIncidents
from desk.ticketing import draft_for
from knowledge.embedder import HashingEmbedder
from tests.unit.desk.test_incidents import AGENT, LEAD, MAIL, published
from tests.unit.knowledge.test_incident_match import lexical_params


def escalate(engine, conversation: str, user: str, incident_id: int | None) -> escalations.Escalation:
    return escalations.create(
        engine,
        conversation_id=conversation,
        user_pseudonym=user,
        language="de",
        reason="user_request",
        details={"description": "Outlook sendet nicht"},
        intents=[],
        articles=[],
        transcript=[],
        incident_id=incident_id,
    )


def test_a_conversation_is_counted_once_with_its_matching_messages(engine) -> None:
    iid = published(engine)
    incident_chat.record_shown(engine, iid, "c1", "de")
    incident_chat.record_shown(engine, iid, "c1", "de")
    assert incident_chat.choice_of(engine, iid, "c1") == "shown"
    assert incident_chat.choice_of(engine, iid, "c2") is None
    assert incident_chat.choose(engine, iid, "c1", "other")
    assert not incident_chat.choose(engine, iid, "never-shown", "subscribe")
    assert incident_chat.declined(engine, "c1") == frozenset({iid})
    assert incident_chat.declined(engine, "c2") == frozenset()
    with engine.connect() as conn:
        from sqlalchemy import select

        from desk.db import incident_matches

        (row,) = conn.execute(select(incident_matches)).all()
    assert (row.messages, row.choice) == (2, "other")


def test_linked_escalations_count_the_other_people_affected(engine) -> None:
    iid = published(engine)
    first = escalate(engine, "c1", "u1", iid)
    assert incident_chat.linked(engine, iid, "u1") == {
        "id": iid,
        "title": "E-Mail-Versand gestört",
        "status": "active",
        "others": 0,
    }
    escalate(engine, "c2", "u2", iid)
    escalate(engine, "c3", "u3", None)  # not linked: does not count
    assert incident_chat.linked(engine, iid, "u1")["others"] == 1
    assert escalations.get(engine, first.id).incident_id == iid
    assert incident_chat.linked(engine, None, "u1") is None


def test_a_linked_ticket_names_the_incident_in_title_and_details(engine) -> None:
    iid = published(engine)
    esc = escalate(engine, "c1", "u1", iid)
    escalate(engine, "c2", "u2", iid)
    draft = draft_for(esc, (), incident_chat.linked(engine, iid, "u1"))
    assert draft.title == f"[Störung #{iid}] Chat: Outlook sendet nicht"
    assert draft.details["Störung"] == f"#{iid} E-Mail-Versand gestört (betroffen: 1 weitere)"
    assert "Störung: #" in draft.body()
    assert draft_for(esc).title == "Chat: Outlook sendet nicht"


def test_live_incidents_follow_publish_and_resolve(engine) -> None:
    desk = type("D", (), {"get": lambda self: type("E", (), {"engine": engine})()})()
    live = LiveIncidents(desk, lexical_params(), poll_s=0.0)
    embedder = HashingEmbedder()
    assert live.match("Outlook hängt beim Senden", [], embedder) is None  # nothing declared
    iid = incidents.create(engine, MAIL, account=AGENT)
    assert live.match("Outlook hängt beim Senden", [], embedder) is None  # a draft is not shown
    incidents.publish(engine, iid, account=LEAD)
    hit = live.match("Outlook hängt beim Senden", [], embedder)
    assert hit is not None and hit.id == iid and hit.incident["status_text"] == "Die IT arbeitet daran."
    incidents.resolve(engine, iid, text="Behoben.", account=LEAD)
    assert live.match("Outlook hängt beim Senden", [], embedder) is None


def test_live_incidents_read_the_counter_at_most_every_poll_interval(engine) -> None:
    desk = type("D", (), {"get": lambda self: type("E", (), {"engine": engine})()})()
    live = LiveIncidents(desk, lexical_params(), poll_s=3600.0)
    embedder = HashingEmbedder()
    assert live.match("Outlook hängt beim Senden", [], embedder) is None
    published(engine)
    assert live.match("Outlook hängt beim Senden", [], embedder) is None  # not looked again yet
    live.poll_s = 0.0
    assert live.match("Outlook hängt beim Senden", [], embedder) is not None
