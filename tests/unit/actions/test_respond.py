"""Actions run as the SDK runs them: a tracker in, events and messages out."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.respond import ActionRespond
from actions.ticket_status import ActionTicketStatus
from knowledge.decision import DecisionParams
from knowledge.search import KnowledgeBase
from knowledge.source import KnowledgeUnavailable, StaticKnowledgeSource
from tests.unit.actions.helpers import make_tracker as tracker
from tests.unit.actions.helpers import run as run_action
from tests.unit.actions.helpers import slots_of
from tests.unit.fakes import fixed_decision as params

DOMAIN: dict[str, Any] = {
    "responses": {
        "utter_kb_none_of_these": [
            {"text": "Nichts davon"},
            {"text": "None of these", "condition": [{"type": "slot", "name": "language", "value": "en"}]},
        ]
    }
}


ANSWER = params(top1=0.9, top3=0.9)
CLARIFY = params(top1=0.1, top3=0.9)
NONE = params(top1=0.1, top3=0.1)


def respond(kb: KnowledgeBase | None, settings, decision: DecisionParams = ANSWER) -> ActionRespond:
    source = StaticKnowledgeSource(kb) if kb is not None else Unavailable()
    return ActionRespond(source, settings, params=decision)  # type: ignore[arg-type]


async def run(action, t: Tracker) -> tuple[CollectingDispatcher, list]:  # noqa: ANN001
    return await run_action(action, t, DOMAIN)


class Unavailable:
    def get(self) -> KnowledgeBase:
        raise KnowledgeUnavailable("model missing")


async def test_confident_answer_shows_article_link_and_asks_for_feedback(hashing_kb, settings) -> None:
    action = respond(hashing_kb, settings, ANSWER)
    d, events = await run(action, tracker("Office Aktivierung Fehler 0xC004F074"))
    answer, ask = d.messages
    assert answer["response"] == "utter_kb_answer"
    assert answer["url"] == "http://127.0.0.1:8000/kb/office-aktivierung"
    assert answer["summary"].startswith("1. ")
    assert answer["custom"]["slug"] == "office-aktivierung"
    assert ask["response"] == "utter_kb_ask_helpful"
    s = slots_of(events)
    assert s["kb_stage"] == "answered" and s["kb_current"] == "office-aktivierung"
    assert s["kb_offered"] == ["office-aktivierung"]
    assert "office-aktivierung" not in s["kb_candidates"]


async def test_unsure_search_offers_three_topics_and_none_of_these(hashing_kb, settings) -> None:
    action = respond(hashing_kb, settings, CLARIFY)
    d, events = await run(action, tracker("Drucker", language="en"))
    (msg,) = d.messages
    assert msg["response"] == "utter_kb_clarify"
    assert len(msg["buttons"]) == 4
    assert msg["buttons"][0]["payload"].startswith('/choose_article{"article_slug": "')
    assert msg["buttons"][-1] == {"title": "None of these", "payload": "/deny"}
    assert slots_of(events)["kb_stage"] == "clarify"


async def test_clarify_button_answers_the_chosen_article(hashing_kb, settings) -> None:
    action = respond(hashing_kb, settings)
    t = tracker('/choose_article{"article_slug": "vpn-fehler"}', intent="choose_article", article_slug="vpn-fehler")
    d, events = await run(action, t)
    assert d.messages[0]["custom"]["slug"] == "vpn-fehler"
    assert slots_of(events)["kb_current"] == "vpn-fehler"


async def test_nothing_confident_says_so_and_offers_escalation(hashing_kb, settings) -> None:
    action = respond(hashing_kb, settings, NONE)
    d, events = await run(action, tracker("Wie viel Urlaub habe ich noch?"))
    assert [m["response"] for m in d.messages] == ["utter_kb_no_answer"]
    assert slots_of(events)["kb_stage"] == "offer_escalation"


async def test_missing_knowledge_base_is_said_honestly(settings) -> None:
    d, events = await run(respond(None, settings), tracker("Drucker"))
    assert [m["response"] for m in d.messages] == ["utter_kb_unavailable"] and events == []


async def test_not_helpful_leads_to_the_next_candidate_then_to_escalation(hashing_kb, settings) -> None:
    action = respond(hashing_kb, settings, params(kind="deny"))
    t = tracker(
        "Nein",
        intent="deny",
        kb_stage="answered",
        kb_current="drucker-druckt-nicht",
        kb_offered=["drucker-druckt-nicht"],
        kb_candidates=["drucker-hinzufuegen"],
    )
    d, events = await run(action, t)
    assert d.messages[0]["response"] == "utter_kb_next_answer"
    assert d.messages[0]["custom"]["slug"] == "drucker-hinzufuegen"
    # after a 👎 the way to a person stands next to the next article's question
    assert d.messages[1]["response"] == "utter_kb_ask_helpful_or_person" and len(d.messages) == 2
    s = slots_of(events)
    assert s["kb_verdicts"] == {"drucker-druckt-nicht": "not_helpful"}
    assert s["kb_offered"] == ["drucker-druckt-nicht", "drucker-hinzufuegen"] and s["kb_candidates"] == []

    t2 = tracker(
        "hat auch nicht geholfen",
        intent="deny",
        kb_stage="answered",
        kb_current="drucker-hinzufuegen",
        kb_offered=s["kb_offered"],
        kb_candidates=[],
        kb_verdicts=s["kb_verdicts"],
    )
    d2, events2 = await run(action, t2)
    assert [m["response"] for m in d2.messages] == ["utter_kb_not_helpful_escalate"]
    s2 = slots_of(events2)
    assert s2["kb_stage"] == "offer_escalation"
    assert s2["kb_verdicts"] == {"drucker-druckt-nicht": "not_helpful", "drucker-hinzufuegen": "not_helpful"}


async def test_helpful_is_recorded(hashing_kb, settings) -> None:
    action = respond(hashing_kb, settings)
    t = tracker("/affirm", intent="affirm", kb_stage="answered", kb_current="vpn-fehler", kb_offered=["vpn-fehler"])
    d, events = await run(action, t)
    assert [m["response"] for m in d.messages] == ["utter_kb_glad"]
    assert slots_of(events) == {"kb_verdicts": {"vpn-fehler": "helpful"}, "kb_stage": None}


async def test_yes_to_escalation_offer_starts_the_escalation_in_the_same_turn(hashing_kb, settings) -> None:
    action = respond(hashing_kb, settings, params(kind="affirm"))
    d, events = await run(action, tracker("ja bitte", intent="affirm", kb_stage="offer_escalation"))
    assert d.messages == []
    assert events == [FollowupAction("action_start_escalation")]


async def test_topics_that_need_a_person_show_first_steps_then_escalate(hashing_kb, settings) -> None:
    action = respond(hashing_kb, settings, ANSWER)
    d, events = await run(action, tracker("Mein Dienstlaptop wurde gestohlen, Gerät verloren"))
    assert [m["response"] for m in d.messages] == ["utter_kb_answer", "utter_needs_person"]
    assert slots_of(events)["kb_current"] == "geraet-verloren"
    assert SlotSet("esc_reason", "needs_person") in events
    assert events[-1] == FollowupAction("action_start_escalation")


async def test_a_retired_article_from_an_old_button_is_not_searched_as_text(hashing_kb, settings) -> None:
    action = respond(hashing_kb, settings)
    t = tracker(
        '/choose_article{"article_slug": "gibt-es-nicht"}', intent="choose_article", article_slug="gibt-es-nicht"
    )
    d, events = await run(action, t)
    assert [m["response"] for m in d.messages] == ["utter_kb_no_answer"]
    assert "kb_query" not in slots_of(events)


async def test_a_new_question_starts_a_new_list_of_offers(hashing_kb, settings) -> None:
    action = respond(hashing_kb, settings, ANSWER)
    t = tracker("0xC004F074", kb_offered=["vpn-fehler"], kb_verdicts={"vpn-fehler": "not_helpful"})
    _, events = await run(action, t)
    s = slots_of(events)
    assert s["kb_offered"] == ["office-aktivierung"] and s["kb_verdicts"] == {}


@pytest.mark.parametrize("intent", ["affirm", "deny"])
async def test_yes_or_no_out_of_context_asks_what_to_do(hashing_kb, settings, intent: str) -> None:
    action = respond(hashing_kb, settings, params(kind=intent))
    d, events = await run(action, tracker("ja", intent=intent))
    assert [m["response"] for m in d.messages] == ["utter_anything_else"]
    assert events == [SlotSet("kb_stage", None)]


async def test_ticket_status_without_tickets_links_the_guide(settings) -> None:
    d, _ = await run(ActionTicketStatus(settings=settings), tracker("Stand Ticket", intent="ticket_status"))
    assert d.messages[0]["response"] == "utter_ticket_status_none"
    assert d.messages[0]["url"].endswith("/kb/ticket-status-abfragen")


async def test_a_new_question_clears_an_old_escalation_reason(hashing_kb, settings) -> None:
    action = respond(hashing_kb, settings)
    _, events = await run(action, tracker("Drucker druckt nicht", esc_reason="needs_person"))
    assert SlotSet("esc_reason", None) in events


def _gaps(settings) -> list[tuple[str, str]]:
    from desk import gaps
    from desk.runtime import LazyDesk

    return [(g.question, g.reason) for g in reversed(gaps.open_gaps(LazyDesk.of(settings).get().engine))]


async def test_unanswered_questions_are_kept_redacted_for_the_gap_queue(hashing_kb, settings) -> None:
    await run(respond(hashing_kb, settings, NONE), tracker("Ich bin Erika Muster, wo ist der Beamer?"))
    feedback = respond(hashing_kb, settings, params(kind="deny"))
    await run(
        feedback,
        tracker(
            "Nein",
            intent="deny",
            kb_stage="answered",
            kb_current="vpn-fehler",
            kb_query="VPN bricht ab, Mail an a.b@stadt.example",
        ),
    )
    await run(feedback, tracker("Nichts davon", intent="deny", kb_stage="clarify", kb_query="Drucker Etage 3"))
    # A new question instead of a pick: the unanswered clarification counts too.
    await run(respond(hashing_kb, settings, NONE), tracker("Neue Frage", kb_stage="clarify", kb_query="Fax"))
    assert _gaps(settings) == [
        ("Ich bin [Name], wo ist der Beamer?", "none"),
        ("VPN bricht ab, Mail an [E-Mail]", "not_helpful"),
        ("Drucker Etage 3", "clarify"),
        ("Fax", "clarify"),
        ("Neue Frage", "none"),
    ]


async def test_shown_articles_are_counted(hashing_kb, settings) -> None:
    from desk import knowledge_stats
    from desk.runtime import LazyDesk

    action = respond(hashing_kb, settings, ANSWER)
    await run(action, tracker("Office Aktivierung Fehler 0xC004F074"))
    await run(action, tracker("Office Aktivierung Fehler 0xC004F074"))
    assert knowledge_stats.all_stats(LazyDesk.of(settings).get().engine)["office-aktivierung"].shown == 2


async def test_off_topic_is_refused_with_a_way_back(hashing_kb, settings) -> None:
    action = respond(hashing_kb, settings, params(kind="off_topic", top1=0.1, top3=0.1))
    d, _ = await run(action, tracker("Wie wird das Wetter morgen?", intent="out_of_scope"))
    assert [m["response"] for m in d.messages] == ["utter_out_of_scope", "utter_out_of_scope_rescue"]


async def test_the_decision_answers_an_it_question_diet_called_off_topic(hashing_kb, settings) -> None:
    """DIET's intent is only one input: a confident article wins over its out_of_scope."""
    action = respond(hashing_kb, settings, params(kind="it", top1=0.9))
    d, _ = await run(action, tracker("Urlaub ab Montag, Abwesenheitsnotiz in Outlook", intent="out_of_scope"))
    assert d.messages[0]["response"] == "utter_kb_answer"


async def test_an_unanswerable_it_question_gets_the_honest_no_answer(hashing_kb, settings) -> None:
    action = respond(hashing_kb, settings, params(kind="it", top1=0.1, top3=0.1))
    d, _ = await run(action, tracker("Wie baue ich eine Pivot-Tabelle?", intent="out_of_scope"))
    assert [m["response"] for m in d.messages] == ["utter_kb_no_answer"]


async def test_greeting_and_goodbye_follow_the_decision(hashing_kb, settings) -> None:
    d, events = await run(respond(hashing_kb, settings, params(kind="greet")), tracker("Servus", intent="it_request"))
    assert [m["response"] for m in d.messages] == ["utter_greet"] and events == []
    d, _ = await run(respond(hashing_kb, settings, params(kind="goodbye")), tracker("Ich muss jetzt los"))
    assert [m["response"] for m in d.messages] == ["utter_goodbye", "utter_ask_csat"]


async def test_a_request_for_a_person_starts_the_form(hashing_kb, settings) -> None:
    action = respond(hashing_kb, settings, params(kind="request_human"))
    d, events = await run(action, tracker("Ich will mit einem Menschen sprechen", intent="request_human"))
    assert d.messages[0]["response"] == "utter_escalation_intro"
    assert events[-1] == FollowupAction("escalation_form")


async def test_buttons_are_carried_out_without_a_search(settings) -> None:
    """A click names its intent: no knowledge base is needed to follow it."""
    d, _ = await run(respond(None, settings), tracker("/rephrase", intent="rephrase"))
    assert [m["response"] for m in d.messages] == ["utter_rephrase"]
    d, _ = await run(respond(None, settings), tracker("/greet", intent="greet"))
    assert [m["response"] for m in d.messages] == ["utter_greet"]


async def test_without_the_knowledge_base_conversation_intents_still_work(settings) -> None:
    d, _ = await run(respond(None, settings), tracker("Moin", intent="greet"))
    assert [m["response"] for m in d.messages] == ["utter_greet"]


async def test_a_clear_request_for_a_person_is_not_overruled_by_an_answer(desk, desk_settings, hashing_kb) -> None:
    """Issue 18, bug 4: the knowledge base could answer the problem, but the employee asked for a person."""
    from desk.runtime import LazyDesk

    action = ActionRespond(StaticKnowledgeSource(hashing_kb), desk_settings, LazyDesk.ready(desk), ANSWER)
    text = "Mein Softphone klingelt nicht mehr. Ich möchte bitte direkt mit jemandem sprechen."
    # The NLU calls it an IT question (it does, with 0.999): the phrase still asks for a person.
    said = {"event": "user", "text": text, "parse_data": {"intent": {"name": "it_request", "confidence": 0.999}}}
    d, events = await run(action, tracker(text, intent="it_request", events=[said]))
    assert [m["response"] for m in d.messages] == ["utter_escalation_intro"]
    assert events[-1] == FollowupAction("escalation_form")
    assert slots_of(events)["esc_description_draft"] == "Mein Softphone klingelt nicht mehr."
    # The same problem without a request gets the article.
    d, _ = await run(action, tracker("Mein Softphone klingelt nicht mehr.", intent="it_request"))
    assert d.messages[0]["response"] == "utter_kb_answer"


async def test_a_vague_message_gets_topic_buttons_not_a_search_or_an_escalation(hashing_kb, settings) -> None:
    """Issue 18: "geht nix mehr" and "hilfe" are answered with the areas, even when DIET reads a person in it."""
    action = respond(hashing_kb, settings, ANSWER)
    for text, intent in (("geht nix mehr", "it_request"), ("Hilfe!", "request_human")):
        d, events = await run(action, tracker(text, intent=intent))
        assert [m["response"] for m in d.messages] == ["utter_kb_topics"], text
        s = slots_of(events)
        assert s["kb_stage"] == "topics" and s["kb_query"] == text


async def test_a_topic_button_searches_the_vague_message_with_the_topics_words(hashing_kb, settings) -> None:
    action = respond(hashing_kb, settings, ANSWER)
    t = tracker('/choose_topic{"topic": "printer"}', intent="choose_topic", topic="printer", kb_query="geht nix mehr")
    d, events = await run(action, t)
    assert d.messages[0]["response"] == "utter_kb_answer" and d.messages[0]["custom"]["slug"].startswith("drucker")
    s = slots_of(events)
    assert s["kb_query"] == "Drucker drucken geht nix mehr" and s["topic"] is None and s["kb_stage"] == "answered"

    unsure = respond(hashing_kb, settings, NONE)  # no confident answer: the topic's closest articles to pick from
    d, events = await run(unsure, t)
    assert d.messages[0]["response"] == "utter_kb_clarify" and slots_of(events)["kb_stage"] == "clarify"
    assert len(d.messages[0]["buttons"]) == 4


async def test_something_else_asks_for_a_sentence_and_offers_the_service_desk(hashing_kb, settings) -> None:
    action = respond(hashing_kb, settings, ANSWER)
    t = tracker('/choose_topic{"topic": "other"}', intent="choose_topic", topic="other", kb_query="geht nix mehr")
    d, events = await run(action, t)
    assert [m["response"] for m in d.messages] == ["utter_kb_topic_other"]
    assert slots_of(events)["kb_stage"] == "offer_escalation"


async def test_a_vague_no_or_yes_in_the_flow_stays_an_answer_to_the_question(hashing_kb, settings) -> None:
    """ "klappt leider nicht" after an article is a 👎 (the next article or the offer), not the areas."""
    action = respond(hashing_kb, settings, params(kind="deny"))
    t = tracker("klappt leider nicht", intent="deny", kb_stage="answered", kb_current="drucker-druckt-nicht")
    d, _ = await run(action, t)
    assert "utter_kb_topics" not in [m["response"] for m in d.messages]
    d, _ = await run(respond(hashing_kb, settings, params(kind="affirm")), tracker("jetzt geht es wieder", "affirm"))
    assert [m["response"] for m in d.messages] == ["utter_anything_else"]
