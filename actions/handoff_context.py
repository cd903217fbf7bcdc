"""What an escalation knows about its conversation, read from the whole tracker (not from the last question).

The knowledge slots describe only the latest question: a new question empties ``kb_verdicts`` and
``kb_offered``. The context card must still list every article the conversation showed with its verdict,
name the reason that led to the request, and offer what the employee already said as the description
(with the device or system and the urgency found in it), so the form only has to confirm.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker

from actions.unlock import STAGE_CODE as UNLOCK_CODE_STAGE
from desk import escalations
from desk.unlock import mask_code
from knowledge.language import EntityFinder

# The language layer's entity rules, built on first use (importing this module loads nothing).
FINDER = EntityFinder()

# Messages that are part of the conversation's flow, never a description of the problem.
_FLOW_INTENTS = frozenset(
    {"affirm", "deny", "thank", "goodbye", "cancel", "skip", "ticket_status", "out_of_scope", "csat", "choose_urgency"}
)
# Intents whose message may carry the problem next to something else ("…, ich möchte mit jemandem sprechen").
_MIXED_INTENTS = frozenset({"request_human", "greet"})
# A sentence with one of these (and no IT entity) asks for a person or greets: not part of the description.
_REQUEST_WORDS = (
    "sprechen",
    "mensch",
    "mitarbeiter",
    "jemand",
    "service desk",
    "servicedesk",
    "verbinden",
    "weiterleit",
    "durchstell",
    "rückruf",
    "zurückruf",
    "anrufen",
    "telefonieren",
    "techniker",
    "hotline",
    "ansprechpartner",
    "hallo",
    "guten tag",
    "guten morgen",
    "speak",
    "talk",
    "human",
    "someone",
    "somebody",
    "agent",
    "connect",
    "call me",
    "call back",
    "hello",
)
# Clear statements of urgency only: the draft is shown for confirmation, a false alarm would mislead the queue.
_MANY = (
    "mehrere",
    "ganze abteilung",
    "ganzen abteilung",
    "ganze team",
    "ganzes team",
    "alle kolleg",
    "several",
    "everyone",
)
_BLOCKED = ("nicht arbeiten", "nicht mehr arbeiten", "dringend", "blockiert", "urgent", "cannot work", "can't work")
# Phrases that ask for a person wherever they stand in a message.
_CLEAR_REQUESTS = (
    "mit jemandem sprechen",
    "mit jemandem reden",
    "mit einem menschen",
    "mit einem echten menschen",
    "mit einem mitarbeiter",
    "mit einer mitarbeiterin",
    "mit einer person",
    "mit einer echten person",
    "mit dem service desk sprechen",
    "mit dem servicedesk sprechen",
    "verbinden sie mich",
    "um rückruf",
    "talk to a human",
    "talk to someone",
    "talk to a person",
    "speak to someone",
    "speak to a person",
    "speak to a human",
)
_GREETINGS = ("hallo", "guten tag", "guten morgen", "hello")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
DRAFT_LIMIT = 300
# A vague sentence without an IT entity must have a few words to count as a description ("Hallo." does not).
_MIN_WORDS = 3


def _user_messages(tracker: Tracker) -> list[tuple[str, str]]:
    """(text, intent) of every typed user message, oldest first (button payloads and ratings left out)."""
    out = []
    for ev in tracker.events:
        text = str(ev.get("text") or "").strip() if ev.get("event") == "user" else ""
        if text and not text.startswith("/"):
            intent = ((ev.get("parse_data") or {}).get("intent") or {}).get("name") or ""
            out.append((text, str(intent)))
    return out


def _it_sentences(text: str) -> str:
    """The sentences of ``text`` that describe a problem: with an IT entity, or long and not a request."""
    kept = []
    for sentence in _SENTENCE_END.split(text):
        low = sentence.lower()
        if FINDER.first(sentence, "SYSTEM", "DEVICE", "ERROR_CODE") is not None:
            kept.append(sentence)
        elif len(sentence.split()) >= _MIN_WORDS and not any(w in low for w in _REQUEST_WORDS):
            kept.append(sentence)
    return " ".join(kept).strip()


def asks_for_person(tracker: Tracker, min_confidence: float = 0.5) -> bool:
    """The latest message clearly asks for a person, whatever else it says.

    "Mein Softphone klingelt nicht mehr. Ich möchte bitte direkt mit jemandem sprechen." names a problem the
    knowledge base could answer (and the NLU calls it ``it_request``), but the employee asked for a person:
    that request is not overruled. Either the NLU says ``request_human`` and a request word is there, or a
    sentence says one of the unmistakable phrases.
    """
    text = str(tracker.latest_message.get("text") or "").lower()
    if text.startswith("/"):
        return False
    if any(p in text for p in _CLEAR_REQUESTS):
        return True
    intent = tracker.latest_message.get("intent") or {}
    if intent.get("name") != "request_human" or float(intent.get("confidence") or 0.0) < min_confidence:
        return False
    return any(w in text for w in _REQUEST_WORDS if w not in _GREETINGS)


def said_description(tracker: Tracker) -> str | None:
    """The problem as the employee last described it: the last IT message, or its IT sentences."""
    for text, intent in reversed(_user_messages(tracker)):
        if intent in _FLOW_INTENTS:
            continue
        found = _it_sentences(text)
        if intent not in _MIXED_INTENTS:
            found = found or text  # an IT question is a description as a whole, even without an entity
        if found:
            return found[:DRAFT_LIMIT]
    query = str(tracker.get_slot("kb_query") or "").strip()  # the knowledge base's last question
    return query[:DRAFT_LIMIT] if query and not query.startswith("/") else None


def said_system(text: str) -> str | None:
    """The first device or system ``text`` names (the language layer's entities)."""
    found = FINDER.first(text, "DEVICE", "SYSTEM")
    return found.text if found is not None else None


def said_urgency(*texts: str) -> str | None:
    """``many`` or ``single_blocked`` when the words say so clearly; otherwise unknown."""
    low = " ".join(texts).lower()
    if any(k in low for k in _MANY):
        return "many"
    if any(k in low for k in _BLOCKED):
        return "single_blocked"
    return None


def articles_shown(tracker: Tracker) -> list[str]:
    """Slugs of the article cards the bot showed in this conversation, in order, each once."""
    slugs: list[str] = []
    for ev in tracker.events:
        custom = ((ev.get("data") or {}).get("custom") or {}) if ev.get("event") == "bot" else {}
        if isinstance(custom, dict) and custom.get("type") == "article" and custom.get("slug"):
            if str(custom["slug"]) not in slugs:
                slugs.append(str(custom["slug"]))
    return slugs


def all_verdicts(tracker: Tracker) -> dict[str, str]:
    """Every verdict given in the conversation: each value ``kb_verdicts`` had (a new question empties it)."""
    merged: dict[str, str] = {}
    values = [ev.get("value") for ev in tracker.events if ev.get("event") == "slot" and ev.get("name") == "kb_verdicts"]
    for value in [*values, tracker.get_slot("kb_verdicts")]:
        if isinstance(value, dict):
            merged.update({str(k): str(v) for k, v in value.items()})
    return merged


def conversation_articles(tracker: Tracker) -> list[tuple[str, str]]:
    """(slug, verdict) of every article shown or offered in the conversation; ``shown`` without feedback."""
    verdicts = all_verdicts(tracker)
    offered = [str(s) for s in tracker.get_slot("kb_offered") or []]
    slugs: list[str] = []
    for slug in [*articles_shown(tracker), *offered, *verdicts]:
        if slug not in slugs:
            slugs.append(slug)
    return [(s, verdicts.get(s, "shown")) for s in slugs]


def conversation_reason(tracker: Tracker) -> str:
    """Why the conversation goes to a person, from the whole conversation.

    A reason set by the flow (``needs_person``) wins; then an article that did not help (or a list of which
    none was chosen) anywhere in the conversation; then a question the knowledge base had no answer for;
    otherwise the employee simply asked for a person.
    """
    preset = tracker.get_slot("esc_reason")
    if preset in escalations.REASONS:
        return str(preset)
    if any(v in {"not_helpful", "not_chosen"} for v in all_verdicts(tracker).values()):
        return "not_helpful"
    if tracker.get_slot("kb_stage") == "offer_escalation":
        return "no_answer"
    return "user_request"


def conversation_facts(tracker: Tracker, titles: dict[str, str]) -> dict[str, Any]:
    """Intents with confidences, articles with verdicts and the transcript, read from the tracker."""
    intents, transcript = [], []
    stage = None
    for ev in tracker.events:
        kind = ev.get("event")
        if kind == "slot" and ev.get("name") == "kb_stage":
            stage = ev.get("value")
        if kind == "user" and stage == UNLOCK_CODE_STAGE:
            ev = {**ev, "text": mask_code(ev.get("text") or "")}  # a one-time unlock code never reaches a ticket
        if kind == "user" and (ev.get("text") or "").startswith("/csat"):
            continue  # ratings are anonymous: never part of an escalation's transcript
        if kind == "user":
            parse = ev.get("parse_data") or {}
            intent = parse.get("intent") or {}
            transcript.append({"role": "user", "text": ev.get("text") or "", "ts": ev.get("timestamp")})
            if (ev.get("text") or "").startswith("/"):
                continue  # a button click, not something the NLU understood
            intents.append(
                {
                    "text": (ev.get("text") or "")[:200],
                    "intent": intent.get("name"),
                    "confidence": round(float(intent.get("confidence") or 0.0), 3),
                }
            )
        elif kind == "bot" and ev.get("text"):
            transcript.append({"role": "bot", "text": ev.get("text"), "ts": ev.get("timestamp")})
    articles = [{"slug": s, "title": titles.get(s, s), "verdict": v} for s, v in conversation_articles(tracker)]
    return {"intents": intents[-30:], "articles": articles, "transcript": transcript[-80:]}
