"""The escalation's context from the whole conversation (issue 18, bugs 3 and 4), replayed through the actions."""

from __future__ import annotations

from typing import Any

from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import (
    ActionAskEscDescription,
    ActionStartEscalation,
    ActionSubmitEscalation,
    ValidateEscalationForm,
)
from actions.handoff_context import said_description, said_system, said_urgency
from actions.respond import ActionRespond
from desk import escalations, knowledge_stats
from desk.runtime import LazyDesk
from knowledge.source import StaticKnowledgeSource
from tests.unit.actions.helpers import Conversation, make_tracker, slots_of
from tests.unit.fakes import fixed_decision

DOMAIN: dict[str, Any] = {"responses": {"utter_kb_none_of_these": [{"text": "Nichts davon"}]}}
ANSWER = fixed_decision(top1=0.9, top3=0.9)
CLARIFY = fixed_decision(top1=0.1, top3=0.9)
NONE = fixed_decision(top1=0.1, top3=0.1)
FORM = {"esc_description": "-", "esc_system": "-", "esc_urgency": "-", "esc_contact": "-"}


def shown(d: CollectingDispatcher) -> list[str]:
    return [m["custom"]["slug"] for m in d.messages if (m.get("custom") or {}).get("type") == "article"]


async def test_the_card_lists_every_article_of_the_conversation_with_its_verdict(desk, desk_settings, hashing_kb):
    """Printer → 👎 twice → "Nein, danke" → an English WLAN question → "geht nix mehr" → a person."""
    source, ready = StaticKnowledgeSource(hashing_kb), LazyDesk.ready(desk)

    def respond(decision=ANSWER) -> ActionRespond:  # noqa: ANN001
        return ActionRespond(source, desk_settings, ready, decision)

    chat = Conversation()
    chat.user("Mein Drucker druckt nicht mehr, die Aufträge bleiben hängen", "it_request")
    d, _ = await chat.act(respond(CLARIFY), DOMAIN)  # "Meinten Sie …?" with three printer articles
    first = chat.slots["kb_candidates"][0]
    chat.user(f'/choose_article{{"article_slug": "{first}"}}', "choose_article", article_slug=first)
    d, _ = await chat.act(respond(), DOMAIN)
    printer = shown(d)
    for _ in range(2):  # 👎 twice: the next article each time
        chat.user("/deny", "deny")
        d, _ = await chat.act(respond(), DOMAIN)
        printer += shown(d)
    assert len(set(printer)) == 3
    chat.user("Nein, danke", "deny")  # the third did not help either; the desk is offered and declined later
    await chat.act(respond(fixed_decision("deny")), DOMAIN)
    assert chat.slots["kb_stage"] == "offer_escalation"
    chat.user("The wifi does not connect on my laptop", "it_request", language="en")
    d, _ = await chat.act(respond(), DOMAIN)
    (wifi,) = shown(d)
    chat.user("geht nix mehr", "nlu_fallback", language="de")
    await chat.act(respond(NONE), DOMAIN)
    assert chat.slots["kb_verdicts"] == {}  # the slots only know the last question …

    chat.user("Kann ich bitte mit einem echten Menschen sprechen", "request_human")
    _, events = await chat.act(respond(fixed_decision("request_human")), DOMAIN)
    assert events[-1] == FollowupAction("escalation_form")
    assert slots_of(events)["esc_reason"] == "not_helpful"  # … the reason comes from the whole conversation
    chat.slots.update(FORM)
    await chat.act(ActionSubmitEscalation(ready, desk_settings, source))

    esc = escalations.latest_for(desk.engine, "conv-1")
    assert esc is not None and esc.reason == "not_helpful"
    assert [(a["slug"], a["verdict"]) for a in esc.articles] == [
        *((slug, "not_helpful") for slug in printer),
        (wifi, "shown"),
    ]
    titles = {a["slug"]: a["title"] for a in esc.articles}
    assert f"„{titles[printer[0]]}“ (hat nicht geholfen)" in esc.summary[1]
    assert f"„{titles[wifi]}“ (ohne Rückmeldung)" in esc.summary[1]
    assert esc.summary[2].startswith("Offen: die angebotenen Anleitungen haben nicht geholfen")
    stats = knowledge_stats.all_stats(desk.engine)
    assert [stats[slug].escalations for slug in printer] == [1, 1, 1]


def told(text: str, intent: str = "request_human", **slots: Any) -> Conversation:
    chat = Conversation(**slots)
    chat.user(text, intent)
    return chat


async def test_a_problem_said_with_the_request_is_confirmed_not_asked_again(desk) -> None:
    chat = told("Mein Softphone klingelt nicht mehr. Ich möchte bitte direkt mit jemandem sprechen.")
    _, events = await chat.act(ActionStartEscalation(LazyDesk.ready(desk)))
    s = slots_of(events)
    assert s["esc_description_draft"] == "Mein Softphone klingelt nicht mehr."
    assert s["esc_system_draft"] == "Softphone" and s["esc_urgency_draft"] is None

    d, _ = await chat.act(ActionAskEscDescription())
    (ask,) = d.messages
    assert ask["response"] == "utter_ask_description_confirm"
    assert ask["draft"] == "Mein Softphone klingelt nicht mehr." and ask["details"] == " – Gerät/System: Softphone"

    chat.user("/affirm", "affirm")
    filled = await ValidateEscalationForm().validate_esc_description(
        "/affirm", CollectingDispatcher(), chat.tracker(), {}
    )
    assert filled == {"esc_description": "Mein Softphone klingelt nicht mehr.", "esc_system": "Softphone"}


async def test_the_urgency_said_is_drafted_and_shown_in_english(desk) -> None:
    chat = told("Several colleagues cannot log in to Outlook, please connect me to a human", language="en")
    _, events = await chat.act(ActionStartEscalation(LazyDesk.ready(desk)))
    s = slots_of(events)
    assert s["esc_description_draft"].startswith("Several colleagues cannot log in to Outlook")
    assert s["esc_system_draft"] == "Outlook" and s["esc_urgency_draft"] == "many"
    d, _ = await chat.act(ActionAskEscDescription())
    assert d.messages[0]["details"] == " – device/system: Outlook; urgency: several people affected"
    chat.user("/affirm", "affirm")
    filled = await ValidateEscalationForm().validate_esc_description(
        "/affirm", CollectingDispatcher(), chat.tracker(), {}
    )
    assert filled["esc_system"] == "Outlook" and filled["esc_urgency"] == "many"


async def test_change_asks_every_question_and_a_typed_description_brings_its_device() -> None:
    v, d = ValidateEscalationForm(), CollectingDispatcher()
    drafts = {"esc_description_draft": "Softphone klingelt nicht", "esc_system_draft": "Softphone"}
    change = make_tracker("/deny", intent="deny", **drafts)
    assert await v.validate_esc_description("/deny", d, change, {}) == {
        "esc_description": None,
        "esc_description_draft": None,
        "esc_system_draft": None,
        "esc_urgency_draft": None,
    }
    typed = make_tracker("x", intent="it_request")
    assert await v.validate_esc_description("Mein Laptop startet nicht, ich kann nicht arbeiten", d, typed, {}) == {
        "esc_description": "Mein Laptop startet nicht, ich kann nicht arbeiten",
        "esc_system": "Laptop",
        "esc_urgency": "single_blocked",
    }


def test_what_counts_as_already_said() -> None:
    # The last IT message wins over an earlier one; flow answers and greetings are never a description.
    chat = Conversation()
    chat.user("VPN bricht ständig ab", "it_request")
    chat.user("nein", "deny")
    chat.user("Der Drucker im 2. OG druckt nur leere Seiten", "it_request")
    chat.user("Hallo, ich möchte mit einem Menschen sprechen", "request_human")
    assert said_description(chat.tracker()) == "Der Drucker im 2. OG druckt nur leere Seiten"
    assert said_description(told("Hallo, ich möchte mit einem Menschen sprechen").tracker()) is None
    assert said_description(told("Guten Tag. Bitte verbinden Sie mich mit dem Service Desk.").tracker()) is None
    mixed = told("Das Fachverfahren meldet Fehler 0x80070005. Kann mich ein Techniker anrufen?").tracker()
    assert said_description(mixed) == "Das Fachverfahren meldet Fehler 0x80070005."
    assert said_system("Das Fachverfahren meldet Fehler 0x80070005") == "Fachverfahren"
    assert said_system("Es geht nichts mehr") is None
    assert said_urgency("Mein Kollege hat das gleiche Problem") is None  # one colleague is not "several"
    assert said_urgency("Es ist dringend") == "single_blocked"
