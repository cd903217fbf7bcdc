"""Escalation actions as the SDK runs them, against a real SQLite records database."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import (
    ActionAskEscDescription,
    ActionStartEscalation,
    ActionSubmitEscalation,
    ValidateEscalationForm,
)
from actions.server import GuardedExecutor
from actions.ticket_status import ActionTicketStatus
from desk import escalations
from desk.runtime import LazyDesk
from knowledge.source import StaticKnowledgeSource
from tests.conftest import plain_settings
from tests.unit.actions.helpers import hold, make_tracker, run, slots_of

tracker = partial(make_tracker, intent="request_human", sender="conv-1")


@pytest.mark.parametrize(
    "slots, reason",
    [
        ({}, "user_request"),
        ({"kb_stage": "offer_escalation", "kb_query": "Beamer geht nicht"}, "no_answer"),
        ({"kb_stage": "offer_escalation", "kb_verdicts": {"vpn-fehler": "not_helpful"}}, "not_helpful"),
        ({"esc_reason": "needs_person"}, "needs_person"),
    ],
)
async def test_start_records_the_reason_and_offers_the_question_as_description(desk, slots, reason) -> None:
    action = ActionStartEscalation(LazyDesk.ready(desk))
    d, events = await run(action, tracker("Mitarbeiter bitte", **slots))
    s = slots_of(events)
    assert s["esc_reason"] == reason
    assert s["esc_description_draft"] == slots.get("kb_query")
    assert events[-1] == FollowupAction("escalation_form")
    assert [m["response"] for m in d.messages] == ["utter_escalation_intro"]


async def test_start_outside_service_hours_says_a_ticket_follows(desk) -> None:
    closed = replace(desk, handoff=plain_settings().override(SERVICEDESK_SERVICE_HOURS="never").handoff)
    d, _ = await run(ActionStartEscalation(LazyDesk.ready(closed)), tracker("Mensch"))
    assert [m["response"] for m in d.messages] == ["utter_escalation_intro", "utter_escalation_closed_hours"]


async def test_description_question_confirms_the_draft_or_asks_for_a_sentence() -> None:
    d, _ = await run(ActionAskEscDescription(), tracker(esc_description_draft="Drucker druckt nicht"))
    assert (
        d.messages[0]["response"] == "utter_ask_description_confirm"
        and d.messages[0]["draft"] == "Drucker druckt nicht"
    )
    d, _ = await run(ActionAskEscDescription(), tracker())
    assert d.messages[0]["response"] == "utter_ask_description_free"


async def test_form_answers_are_normalised() -> None:
    v, d = ValidateEscalationForm(), CollectingDispatcher()
    draft = {"esc_description_draft": "Drucker druckt nicht"}
    assert await v.validate_esc_description("/affirm", d, tracker("/affirm", intent="affirm", **draft), {}) == {
        "esc_description": "Drucker druckt nicht"
    }
    assert await v.validate_esc_description("nein", d, tracker("nein", intent="deny", **draft), {}) == {
        "esc_description": None,
        "esc_description_draft": None,
        "esc_system_draft": None,
        "esc_urgency_draft": None,
    }
    assert await v.validate_esc_description(
        "Die Anzeige im 2. OG bleibt schwarz", d, tracker("x", intent="it_request", **draft), {}
    ) == {"esc_description": "Die Anzeige im 2. OG bleibt schwarz"}
    urgency = tracker(requested_slot="esc_urgency")
    assert await v.validate_esc_urgency("many", d, urgency, {}) == {"esc_urgency": "many"}
    assert await v.validate_esc_urgency("die ganze Abteilung", d, urgency, {}) == {"esc_urgency": "many"}
    assert await v.validate_esc_urgency("ich kann nicht arbeiten", d, urgency, {}) == {"esc_urgency": "single_blocked"}
    asked = {"requested_slot": "esc_system"}
    assert await v.validate_esc_system("/skip", d, tracker("/skip", intent="skip", **asked), {}) == {"esc_system": "-"}
    assert await v.validate_esc_contact("Durchwahl 1234", d, tracker(requested_slot="esc_contact"), {}) == {
        "esc_contact": "Durchwahl 1234"
    }


async def test_the_request_that_opens_the_form_answers_none_of_its_questions() -> None:
    """A click on "Mit dem Service Desk sprechen" in an empty chat: Rasa offers "/request_human" to every slot of
    the form it opens; nothing is filled, so the form asks for the problem (it went to the desk blank before)."""
    v, d = ValidateEscalationForm(), CollectingDispatcher()
    opening = tracker("/request_human")
    assert await v.validate_esc_description("/request_human", d, opening, {}) == {"esc_description": None}
    assert await v.validate_esc_system("/request_human", d, opening, {}) == {"esc_system": None}
    assert await v.validate_esc_urgency("/request_human", d, opening, {}) == {"esc_urgency": None}
    assert await v.validate_esc_contact("/request_human", d, opening, {}) == {"esc_contact": None}
    # With something said before, its drafts stand (the form then confirms them in one question).
    drafted = tracker("/request_human", esc_description_draft="Drucker druckt nicht", esc_system_draft="Drucker")
    assert await v.validate_esc_system("/request_human", d, drafted, {}) == {"esc_system": "Drucker"}


FORM = {
    "esc_description": "Drucker im 2. OG druckt nicht",
    "esc_system": "Drucker 2. OG",
    "esc_urgency": "many",
    "esc_contact": "-",
}
EVENTS = [
    {
        "event": "user",
        "text": "Drucker druckt nicht",
        "timestamp": 1.0,
        "parse_data": {"intent": {"name": "it_request", "confidence": 0.912}},
    },
    {"event": "bot", "text": "Dazu habe ich diese Anleitung gefunden", "timestamp": 2.0},
    {
        "event": "user",
        "text": "Mitarbeiter bitte",
        "timestamp": 3.0,
        "parse_data": {"intent": {"name": "request_human", "confidence": 0.99}},
    },
]


async def test_submit_stores_the_context_and_pauses_the_bot(desk, desk_settings, hashing_kb) -> None:
    action = ActionSubmitEscalation(LazyDesk.ready(desk), desk_settings, StaticKnowledgeSource(hashing_kb))
    t = tracker(
        "-",
        intent="skip",
        events=EVENTS,
        kb_query="Drucker druckt nicht",
        kb_offered=["drucker-druckt-nicht"],
        kb_verdicts={"drucker-druckt-nicht": "not_helpful"},
        kb_stage="offer_escalation",
        **FORM,
    )
    d, events = await run(action, t)
    esc = escalations.active_for(desk.engine, "conv-1")
    assert esc is not None and esc.status == "waiting" and esc.reason == "not_helpful"
    assert esc.details == {
        "description": "Drucker im 2. OG druckt nicht",
        "system": "Drucker 2. OG",
        "urgency": "many",
        "contact": "-",
    }
    assert esc.articles[0]["verdict"] == "not_helpful" and esc.articles[0]["title"].startswith("Drucker")
    assert [i["intent"] for i in esc.intents] == ["it_request", "request_human"] and esc.intents[0][
        "confidence"
    ] == 0.912
    assert [t["role"] for t in esc.transcript] == ["user", "bot", "user"]
    assert "Service Desk übergeben" in d.messages[0]["text"]
    assert events[-1] == ConversationPaused()
    assert SlotSet("esc_description", None) in events and SlotSet("kb_stage", None) in events


async def test_submit_outside_service_hours_creates_a_ticket_at_once(desk, desk_settings, hashing_kb) -> None:
    closed = replace(desk, handoff=plain_settings().override(SERVICEDESK_SERVICE_HOURS="never").handoff)
    action = ActionSubmitEscalation(LazyDesk.ready(closed), desk_settings, StaticKnowledgeSource(hashing_kb))
    d, events = await run(action, tracker("-", intent="skip", events=EVENTS, **FORM))
    esc = escalations.latest_for(desk.engine, "conv-1")
    assert esc is not None and esc.status == "ticket" and esc.ticket_number and esc.ticket_number.startswith("SD-")
    assert esc.ticket_number in d.messages[0]["text"] and "nicht besetzt" in d.messages[0]["text"]
    assert ConversationPaused() not in events  # nobody will take over: the bot stays available
    status = desk.sink.status(esc.ticket_number)
    assert status is not None and status.state == "open"

    d, _ = await run(
        ActionTicketStatus(LazyDesk.ready(closed), desk_settings),
        tracker("Stand meines Tickets", intent="ticket_status"),
    )
    assert d.messages[0]["response"] == "utter_ticket_status_one"
    assert d.messages[0]["number"] == esc.ticket_number and d.messages[0]["state"] == "offen"

    # Asked in the chat, where the decision would answer with the guide to looking tickets up: their own tickets.
    from actions.respond import ActionRespond
    from tests.unit.fakes import fixed_decision

    respond = ActionRespond(
        StaticKnowledgeSource(hashing_kb), desk_settings, LazyDesk.ready(closed), fixed_decision(top1=0.9)
    )
    asked = tracker("Status eines Tickets abfragen", intent="ticket_status")
    d, _ = await run(respond, asked)
    assert [m["response"] for m in d.messages] == ["utter_ticket_status_one"]
    # By number: their own ticket; the same number asked from another employee's conversation is "not found",
    # exactly like a number that does not exist.
    by_number = tracker(f"Wie ist der Stand von {esc.ticket_number}?", intent="ticket_status")
    d, _ = await run(respond, by_number)
    assert [m["response"] for m in d.messages] == ["utter_ticket_status_one"]
    assert d.messages[0]["number"] == esc.ticket_number
    stranger = Tracker.from_dict({**by_number.current_state(), "sender_id": "conv-other"})
    d, _ = await run(ActionTicketStatus(LazyDesk.ready(closed), desk_settings), stranger)
    assert [(m["response"], m["number"]) for m in d.messages] == [("utter_ticket_status_not_found", esc.ticket_number)]
    d, _ = await run(ActionTicketStatus(LazyDesk.ready(closed), desk_settings), tracker("Ticket SD-2026-999999"))
    assert d.messages[0]["response"] == "utter_ticket_status_not_found"
    # Without tickets the chat asks for the number; the number typed next is looked up (own tickets only).
    d, events = await run(
        ActionTicketStatus(LazyDesk.ready(closed), desk_settings),
        Tracker.from_dict(
            {**tracker("Stand meines Tickets", intent="ticket_status").current_state(), "sender_id": "conv-other"}
        ),
    )
    assert d.messages[0]["response"] == "utter_ticket_status_none" and slots_of(events)["kb_stage"] == "ticket_number"
    d, _ = await run(respond, tracker(esc.ticket_number, intent="it_request", kb_stage="ticket_number"))
    assert [m["response"] for m in d.messages] == ["utter_ticket_status_one"]
    # Somebody without tickets gets the guide itself.
    d, _ = await run(respond, Tracker.from_dict({**asked.current_state(), "sender_id": "conv-other"}))
    guide = d.messages[0]
    assert guide["response"] == "utter_kb_answer" and guide["custom"]["slug"] == "ticket-status-abfragen"


async def test_the_action_server_stays_silent_while_an_agent_holds_the_conversation(
    desk, desk_settings, hashing_kb
) -> None:
    from actions.respond import ActionRespond
    from tests.unit.fakes import fixed_decision

    executor = GuardedExecutor(LazyDesk.ready(desk))
    executor.register_action(
        ActionRespond(StaticKnowledgeSource(hashing_kb), desk_settings, params=fixed_decision(top1=0.9))
    )
    call = {
        "next_action": "action_respond",
        "sender_id": "held",
        "tracker": {
            "sender_id": "held",
            "slots": {"language": "de"},
            "latest_message": {"text": "VPN geht nicht", "intent": {"name": "it_request"}},
            "events": [],
            "paused": False,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
        "domain": {"responses": {"utter_kb_none_of_these": [{"text": "Nichts davon"}]}},
    }
    free = await executor.run(call)
    assert free is not None and free.responses  # answers normally
    hold(desk, "held")
    held = await executor.run(call)
    assert held is not None and held.responses == [] and held.events == []
