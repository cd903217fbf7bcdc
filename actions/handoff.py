"""Escalation to people: why, a short form for the missing details, the handover, and ticket status.

The record goes to the shared database (desk.escalations); the web service's agent console takes it from
there. While an agent holds a conversation Rasa is paused (``ConversationPaused``) and the action server
refuses to speak for it (see ``actions.server.GuardedExecutor``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ConversationPaused, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.kb_records import note_gap
from desk import conversations, escalations
from desk.identity import pseudonym
from desk.live_knowledge import LiveKnowledgeSource
from desk.notices import notice, ticket_notice
from desk.runtime import LazyDesk
from desk.ticketing import create_ticket
from desk.tickets.base import TicketError
from knowledge.source import KnowledgeSource, KnowledgeUnavailable
from settings import Settings
from texts import section

logger = logging.getLogger(__name__)

FORM_SLOTS = ("esc_description", "esc_system", "esc_urgency", "esc_contact")
URGENCIES = ("single_ok", "single_blocked", "many")
_MANY = ("mehrere", "alle ", "abteilung", "ganze", "team", "kolleg", "several", "everyone", "whole")
_BLOCKED = (
    "nicht arbeiten",
    "kann nicht",
    "dringend",
    "sofort",
    "blockiert",
    "geht gar nichts",
    "urgent",
    "cannot work",
)


def _intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def _reason(tracker: Tracker) -> str:
    """Why the conversation goes to a person, from what the knowledge actions recorded."""
    preset = tracker.get_slot("esc_reason")
    if preset in escalations.REASONS:
        return str(preset)
    verdicts = tracker.get_slot("kb_verdicts") or {}
    if isinstance(verdicts, dict) and any(v in {"not_helpful", "not_chosen"} for v in verdicts.values()):
        return "not_helpful"
    if tracker.get_slot("kb_stage") == "offer_escalation":
        return "no_answer"
    return "user_request"


def start_events(
    tracker: Tracker, dispatcher: CollectingDispatcher, settings: Settings, open_now: bool
) -> list[EventType]:
    """Intro, the reason and the draft description; then the form asks for the rest."""
    dispatcher.utter_message(response="utter_escalation_intro")
    if not open_now:
        dispatcher.utter_message(response="utter_escalation_closed_hours", hours=settings.handoff.service_hours)
    draft = (tracker.get_slot("kb_query") or "").strip()
    if draft.startswith("/"):
        draft = ""
    return [
        SlotSet("esc_reason", _reason(tracker)),
        SlotSet("esc_description_draft", draft[:300] or None),
        *(SlotSet(s, None) for s in FORM_SLOTS),
        FollowupAction("escalation_form"),
    ]


class DeskAction(Action):
    """An action that reads or writes service-desk records."""

    def __init__(self, desk: LazyDesk | None = None, settings: Settings | None = None) -> None:
        """The SDK calls this bare; the server and tests pass shared handles."""
        self.settings = settings or Settings.load()
        self.desk = desk or LazyDesk.of(self.settings)

    def name(self) -> str:  # pragma: no cover - every subclass names itself
        """Overridden."""
        raise NotImplementedError


class ActionStartEscalation(DeskAction):
    """Record why, offer the understood question as the description, and start the form."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_start_escalation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Say what happens next (and if nobody is on duty), then hand over to the form."""
        desk = await asyncio.to_thread(self.desk.get)
        return start_events(tracker, dispatcher, self.settings, desk.hours.is_open(escalations.now()))


class ValidateEscalationForm(FormValidationAction):
    """Normalise the answers; every question accepts "überspringen" (stored as ``-``)."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "validate_escalation_form"

    @staticmethod
    def _text(value: Any, limit: int = 300) -> str:
        text = str(value or "").strip()
        return escalations.SKIPPED if not text or text.startswith("/") else text[:limit]

    async def validate_esc_description(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Yes keeps the draft, no asks for a sentence, anything else is the sentence."""
        draft = tracker.get_slot("esc_description_draft")
        intent = _intent(tracker)
        if intent == "affirm" and draft:
            return {"esc_description": draft}
        if intent == "deny":
            return {"esc_description": None, "esc_description_draft": None}
        if intent == "request_human":
            return {"esc_description": draft or escalations.SKIPPED}
        return {"esc_description": self._text(slot_value)}

    async def validate_esc_system(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Free text."""
        return {"esc_system": self._text(slot_value, 200)}

    async def validate_esc_urgency(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Button values as they are; typed answers mapped by keywords, else kept in words."""
        value = str(slot_value or "").strip()
        if value in URGENCIES or value == escalations.SKIPPED:
            return {"esc_urgency": value}
        low = f" {value.lower()} "
        if any(k in low for k in _MANY):
            return {"esc_urgency": "many"}
        if any(k in low for k in _BLOCKED):
            return {"esc_urgency": "single_blocked"}
        return {"esc_urgency": self._text(value, 200)}

    async def validate_esc_contact(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Free text (extension, mobile, room); given voluntarily."""
        return {"esc_contact": self._text(slot_value, 200)}


class ActionAskEscDescription(Action):
    """Offer the understood question for confirmation, or ask for one sentence."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_ask_esc_description"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Two wordings, one slot."""
        draft = tracker.get_slot("esc_description_draft")
        if draft:
            dispatcher.utter_message(response="utter_ask_description_confirm", draft=draft)
        else:
            dispatcher.utter_message(response="utter_ask_description_free")
        return []


def conversation_facts(tracker: Tracker, titles: dict[str, str]) -> dict[str, Any]:
    """Intents with confidences, articles with verdicts and the transcript, read from the tracker."""
    intents, transcript = [], []
    for ev in tracker.events:
        kind = ev.get("event")
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
    verdicts = tracker.get_slot("kb_verdicts") or {}
    verdicts = verdicts if isinstance(verdicts, dict) else {}
    offered = list(tracker.get_slot("kb_offered") or [])
    slugs = offered + [s for s in verdicts if s not in offered]
    articles = [{"slug": s, "title": titles.get(s, s), "verdict": str(verdicts.get(s, "shown"))} for s in slugs]
    return {"intents": intents[-30:], "articles": articles, "transcript": transcript[-80:]}


class ActionSubmitEscalation(DeskAction):
    """Store the escalation; in service hours queue it for an agent, otherwise make it a ticket."""

    def __init__(
        self, desk: LazyDesk | None = None, settings: Settings | None = None, knowledge: KnowledgeSource | None = None
    ) -> None:
        """Article titles for the context card come from the knowledge base."""
        super().__init__(desk, settings)
        self.knowledge = knowledge or LiveKnowledgeSource(self.settings.knowledge, self.desk)

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_submit_escalation"

    def _titles(self, slugs: list[str]) -> dict[str, str]:
        try:
            kb = self.knowledge.get()
        except KnowledgeUnavailable:
            return {}
        return {s: a.title for s in slugs if (a := kb.article(s)) is not None}

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Write before telling the employee anything; pause the bot while the queue has the conversation."""
        desk = await asyncio.to_thread(self.desk.get)
        language = "en" if tracker.get_slot("language") == "en" else "de"
        slugs = list(tracker.get_slot("kb_offered") or []) + list((tracker.get_slot("kb_verdicts") or {}).keys())
        titles = await asyncio.to_thread(self._titles, slugs)
        facts = conversation_facts(tracker, titles)
        details = {k.removeprefix("esc_"): str(tracker.get_slot(k) or escalations.SKIPPED) for k in FORM_SLOTS}
        sender = tracker.sender_id
        user = await asyncio.to_thread(conversations.pseudonym_of, desk.engine, sender) or pseudonym(
            desk.secret, f"rasa:{sender}"
        )
        at = escalations.now()
        open_now = desk.hours.is_open(at)
        esc = await asyncio.to_thread(
            escalations.create,
            desk.engine,
            conversation_id=sender,
            user_pseudonym=user,
            language=language,
            reason=_reason(tracker),
            details=details,
            query=str(tracker.get_slot("kb_query") or ""),
            status="waiting" if open_now else "ticket",
            **facts,
        )
        if esc.reason == "no_answer":
            await note_gap(self.desk, self.knowledge, tracker, str(tracker.get_slot("kb_query") or ""), "no_answer")
        reset: list[EventType] = [SlotSet(s, None) for s in (*FORM_SLOTS, "esc_reason", "esc_description_draft")]
        reset.append(SlotSet("kb_stage", None))
        if esc.status == "waiting":
            minutes = str(max(1, round(self.settings.handoff.handoff_timeout_s / 60)))
            dispatcher.utter_message(response="utter_handoff_notice", text=notice("queued", language, minutes=minutes))
            return [*reset, ConversationPaused()]
        ref = await asyncio.to_thread(create_ticket, desk.engine, desk.sink, esc)
        if ref is None:
            dispatcher.utter_message(response="utter_handoff_notice", text=notice("ticket_pending", language))
        else:
            text = ticket_notice(
                number=ref.number,
                language=language,
                hours=desk.hours,
                response_hours=self.settings.handoff.ticket_response_hours,
                at=at,
                why="closed_hours",
                spec=self.settings.handoff.service_hours,
            )
            dispatcher.utter_message(response="utter_handoff_notice", text=text)
        return reset


class ActionHandedBack(Action):
    """The agent gave the conversation back: the bot resumes, mentioning the topic it had."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_handed_back"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """The knowledge slots are still there: the bot knows what the conversation was about."""
        topic = (tracker.get_slot("kb_query") or "").strip()
        if topic and not topic.startswith("/"):
            dispatcher.utter_message(response="utter_handed_back_topic", topic=topic[:200])
        else:
            dispatcher.utter_message(response="utter_handed_back")
        return [SlotSet("kb_stage", None)]


class ActionTicketStatus(DeskAction):
    """The employee's tickets from the chat, read from the ticket sink they went to."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_ticket_status"

    async def tickets(self, tracker: Tracker) -> list[Any]:
        """The employee's up to three newest tickets (pseudonym of the conversation's user)."""
        desk = await asyncio.to_thread(self.desk.get)
        sender = tracker.sender_id
        user = await asyncio.to_thread(conversations.pseudonym_of, desk.engine, sender) or pseudonym(
            desk.secret, f"rasa:{sender}"
        )
        return await asyncio.to_thread(escalations.tickets_of, desk.engine, user, 3)

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any], found: list[Any] | None = None
    ) -> list[EventType]:
        """Up to three newest tickets with their state (``found``: already looked up); the portal for anything else."""
        desk = await asyncio.to_thread(self.desk.get)
        language = "en" if tracker.get_slot("language") == "en" else "de"
        if found is None:
            found = await self.tickets(tracker)
        if not found:
            dispatcher.utter_message(
                response="utter_ticket_status_none", url=self.settings.servers.article_url("ticket-status-abfragen")
            )
            return []
        for esc in found:
            number = str(esc.ticket_number)
            try:
                same_sink = esc.ticket_sink == desk.sink.name
                status = await asyncio.to_thread(desk.sink.status, number) if same_sink else None
            except TicketError:
                logger.warning("ticket system did not answer for %s", number)
                status = None
            state = status.state if status else ("unknown" if same_sink else "forwarded")
            words = section("ticket.state", language).get(state, state)
            title = status.title if status else (esc.summary[0] if esc.summary else "")
            dispatcher.utter_message(response="utter_ticket_status_one", number=number, state=words, title=title)
        return []
