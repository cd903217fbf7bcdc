"""A declared incident in the chat: shown first, subscribe, "anderes Problem", and the escalation linked to it."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionSubmitEscalation
from actions.incident import IncidentReplies
from actions.respond import ActionRespond
from desk import escalations, incident_chat, incidents
from desk.db import incident_subscriptions
from desk.live_incidents import LiveIncidents
from desk.runtime import LazyDesk
from knowledge.source import StaticKnowledgeSource
from tests.unit.actions.helpers import make_tracker as tracker
from tests.unit.actions.helpers import slots_of
from tests.unit.desk.test_incidents import AGENT, LEAD, MAIL
from tests.unit.fakes import fixed_decision
from tests.unit.knowledge.test_incident_match import lexical_params

CLOCK = {"text": "{time} Uhr"}
DOMAIN: dict[str, Any] = {
    "responses": {
        "utter_incident_clock": [CLOCK],
        "utter_incident_next": [{"text": " Nächste Information gegen {time} Uhr."}],
        "utter_incident_workaround": [{"text": "\nUmgehung: {workaround}"}],
    }
}
OUTAGE = "Outlook hängt beim Senden"


def action(desk, settings, kb, ask: float = 1.0, top1: float = 0.9) -> ActionRespond:  # noqa: ANN001
    """``top1`` 0.9: the knowledge answers directly; 0.5: it only offers topics to pick (clarify)."""
    lazy = LazyDesk.ready(desk)
    respond = ActionRespond(StaticKnowledgeSource(kb), settings, lazy, fixed_decision(top1=top1, top3=0.9))
    live = LiveIncidents(lazy, lexical_params(threshold=0.9, ask=ask), poll_s=0.0)
    respond.incidents = IncidentReplies(lazy, live)
    return respond


def declare(desk) -> int:  # noqa: ANN001
    iid = incidents.create(desk.engine, MAIL, account=AGENT)
    incidents.publish(desk.engine, iid, account=LEAD)
    return iid


async def say(respond: ActionRespond, text: str, intent: str = "it_request", **slots: Any) -> tuple[list, dict]:
    dispatcher = CollectingDispatcher()
    events = await respond.run(dispatcher, tracker(text, intent, sender="conv-1", **slots), DOMAIN)
    return dispatcher.messages, slots_of(events)


async def test_a_matching_message_gets_the_incident_with_three_buttons(desk, desk_settings, hashing_kb) -> None:
    respond = action(desk, desk_settings, hashing_kb)
    iid = declare(desk)
    (msg,), slots = await say(respond, OUTAGE)
    assert msg["response"] == "utter_incident_known"
    assert msg["title"] == "E-Mail-Versand gestört" and msg["status"] == "Die IT arbeitet daran."
    assert msg["workaround"] == "\nUmgehung: Webmail nutzen" and msg["since"].endswith(" Uhr")
    assert msg["custom"] == {"type": "incident", "incident_id": iid}
    assert slots["incident_id"] == str(iid) and slots["kb_query"] == OUTAGE
    assert incident_chat.choice_of(desk.engine, iid, "conv-1") == "shown"


async def test_an_unrelated_question_gets_its_article_while_the_incident_is_active(
    desk, desk_settings, hashing_kb
) -> None:
    respond = action(desk, desk_settings, hashing_kb)
    declare(desk)
    messages, _ = await say(respond, "Office Aktivierung Fehler 0xC004F074")
    assert messages[0]["response"] == "utter_kb_answer"


async def test_subscribing_stores_the_conversation(desk, desk_settings, hashing_kb) -> None:
    respond = action(desk, desk_settings, hashing_kb)
    iid = declare(desk)
    await say(respond, OUTAGE)
    (msg,), _ = await say(respond, "/incident_subscribe", "incident_subscribe", incident_id=str(iid))
    assert msg["response"] == "utter_incident_subscribed"
    with desk.engine.connect() as conn:
        assert conn.execute(incident_subscriptions.select()).first().conversation_id == "conv-1"
    assert incident_chat.choice_of(desk.engine, iid, "conv-1") == "subscribe"


async def test_a_crafted_incident_id_subscribes_nothing(desk, desk_settings, hashing_kb) -> None:
    respond = action(desk, desk_settings, hashing_kb)
    iid = declare(desk)  # active, but never shown to this conversation
    (msg,), _ = await say(respond, "/incident_subscribe", "incident_subscribe", incident_id=str(iid))
    assert msg["response"] == "utter_default"
    with desk.engine.connect() as conn:
        assert conn.execute(incident_subscriptions.select()).first() is None


async def test_subscribing_after_the_resolution_says_it_is_fixed(desk, desk_settings, hashing_kb) -> None:
    respond = action(desk, desk_settings, hashing_kb)
    iid = declare(desk)
    await say(respond, OUTAGE)
    incidents.resolve(desk.engine, iid, text="Behoben.", account=LEAD)
    (msg,), _ = await say(respond, "/incident_subscribe", "incident_subscribe", incident_id=str(iid))
    assert msg["response"] == "utter_incident_gone"


async def test_another_problem_takes_the_normal_path_and_is_remembered(desk, desk_settings, hashing_kb) -> None:
    respond = action(desk, desk_settings, hashing_kb)
    iid = declare(desk)
    await say(respond, OUTAGE)
    messages, slots = await say(respond, "/incident_other", "incident_other", incident_id=str(iid), kb_query=OUTAGE)
    assert messages[0]["response"] == "utter_kb_answer"  # an article for the same message
    assert slots["kb_stage"] == "answered"
    again, _ = await say(respond, OUTAGE)
    assert again[0]["response"] == "utter_kb_answer"  # this conversation said it is something else
    assert incident_chat.choice_of(desk.engine, iid, "conv-1") == "other"


async def test_an_escalation_after_the_incident_is_linked_to_it(desk, desk_settings, hashing_kb) -> None:
    respond = action(desk, desk_settings, hashing_kb)
    iid = declare(desk)
    await say(respond, OUTAGE)
    submit = ActionSubmitEscalation(LazyDesk.ready(desk), desk_settings, StaticKnowledgeSource(hashing_kb))
    await submit.run(CollectingDispatcher(), tracker("", sender="conv-1", incident_id=str(iid)), {})
    esc = escalations.active_for(desk.engine, "conv-1")
    assert esc is not None and esc.incident_id == iid
    assert incident_chat.choice_of(desk.engine, iid, "conv-1") == "escalate"


async def test_a_crafted_slot_links_no_escalation(desk, desk_settings, hashing_kb) -> None:
    iid = declare(desk)
    submit = ActionSubmitEscalation(LazyDesk.ready(desk), desk_settings, StaticKnowledgeSource(hashing_kb))
    await submit.run(CollectingDispatcher(), tracker("", sender="conv-9", incident_id=str(iid)), {})
    esc = escalations.active_for(desk.engine, "conv-9")
    assert esc is not None and esc.incident_id is None


LIKELY = "Outlook hängt beim Senden, sagt Kollege Meier heute"  # half its words are the incident's


async def test_a_likely_match_asks_first_and_yes_shows_the_incident(desk, desk_settings, hashing_kb) -> None:
    respond = action(desk, desk_settings, hashing_kb, ask=0.3, top1=0.5)
    iid = declare(desk)
    (msg,), slots = await say(respond, LIKELY)
    assert msg["response"] == "utter_incident_ask" and msg["title"] == "E-Mail-Versand gestört"
    assert slots["incident_id"] == str(iid) and slots["kb_stage"] == "incident_ask"
    assert incident_chat.choice_of(desk.engine, iid, "conv-1") is None  # only asked: not counted yet
    (shown,), _ = await say(respond, "/incident_confirm", "incident_confirm", incident_id=str(iid))
    assert shown["response"] == "utter_incident_known"
    assert incident_chat.choice_of(desk.engine, iid, "conv-1") == "shown"


async def test_a_likely_match_leaves_a_direct_article_answer_alone(desk, desk_settings, hashing_kb) -> None:
    """Only likely, and the knowledge answers directly: the article (an unrelated question during an outage)."""
    respond = action(desk, desk_settings, hashing_kb, ask=0.3, top1=0.9)
    iid = declare(desk)
    messages, slots = await say(respond, LIKELY)
    assert messages[0]["response"] == "utter_kb_answer" and slots.get("kb_stage") != "incident_ask"
    assert incident_chat.choice_of(desk.engine, iid, "conv-1") is None
    (msg,), _ = await say(respond, OUTAGE)  # a sure match still comes first
    assert msg["response"] == "utter_incident_known"


async def test_no_after_the_question_takes_the_normal_path_and_is_remembered(desk, desk_settings, hashing_kb) -> None:
    respond = action(desk, desk_settings, hashing_kb, ask=0.3, top1=0.5)
    iid = declare(desk)
    await say(respond, LIKELY)
    messages, _ = await say(respond, "/incident_other", "incident_other", incident_id=str(iid), kb_query=LIKELY)
    assert messages[0]["response"] != "utter_incident_known"
    assert incident_chat.choice_of(desk.engine, iid, "conv-1") == "other"
    again, _ = await say(respond, OUTAGE)  # even a sure match: this conversation said it is something else
    assert again[0]["response"] not in ("utter_incident_known", "utter_incident_ask")


async def test_confirming_a_resolved_incident_says_it_is_fixed(desk, desk_settings, hashing_kb) -> None:
    respond = action(desk, desk_settings, hashing_kb, ask=0.3, top1=0.5)
    iid = declare(desk)
    await say(respond, LIKELY)
    incidents.resolve(desk.engine, iid, text="Behoben.", account=LEAD)
    (msg,), _ = await say(respond, "/incident_confirm", "incident_confirm", incident_id=str(iid))
    assert msg["response"] == "utter_incident_gone"
