"""Escalation to people: why, a short form for the missing details, and the handover.

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

from actions.handoff_context import (
    conversation_articles,
    conversation_facts,
    conversation_reason,
    said_description,
    said_system,
    said_urgency,
)
from actions.incident import escalation_incident
from actions.kb_records import note_gap
from desk import conversations, escalations
from desk.identity import pseudonym
from desk.live_knowledge import LiveKnowledgeSource
from desk.notices import notice, ticket_notice
from desk.runtime import LazyDesk
from desk.ticketing import create_ticket
from knowledge.source import KnowledgeSource, KnowledgeUnavailable
from settings import Settings
from texts import section, text

logger = logging.getLogger(__name__)

FORM_SLOTS = ("esc_description", "esc_system", "esc_urgency", "esc_contact")
DRAFT_SLOTS = ("esc_description_draft", "esc_system_draft", "esc_urgency_draft")
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


def _opening(tracker: Tracker) -> bool:
    """The request for a person that starts the form: Rasa offers its text to every question, it answers none."""
    return _intent(tracker) == "request_human" and not tracker.get_slot("requested_slot")


def drafts(tracker: Tracker) -> dict[str, str | None]:
    """What the employee already said: the description, the device or system in it, and its urgency."""
    description = said_description(tracker)
    latest = str(tracker.latest_message.get("text") or "")
    return {
        "esc_description_draft": description,
        "esc_system_draft": said_system(description) if description else None,
        "esc_urgency_draft": said_urgency(description or "", "" if latest.startswith("/") else latest),
    }


def start_events(
    tracker: Tracker, dispatcher: CollectingDispatcher, settings: Settings, open_now: bool
) -> list[EventType]:
    """Intro, the reason and the drafts from what was said; then the form confirms them and asks the rest."""
    dispatcher.utter_message(response="utter_escalation_intro")
    if not open_now:
        dispatcher.utter_message(response="utter_escalation_closed_hours", hours=settings.handoff.service_hours)
    return [
        SlotSet("esc_reason", conversation_reason(tracker)),
        *(SlotSet(name, value) for name, value in drafts(tracker).items()),
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
        """Yes ("Ja") keeps the drafts, "Ändern" asks every question, a typed sentence is the description.

        Device or system and urgency come along when the confirmed draft (or the typed sentence) names them,
        so the form does not ask for what was already said.
        """
        draft = tracker.get_slot("esc_description_draft")
        intent = _intent(tracker)
        if intent == "deny":
            return {"esc_description": None, **dict.fromkeys(DRAFT_SLOTS)}
        if _opening(tracker) and not draft:
            return {"esc_description": None}  # nothing said yet: the form asks for it
        if intent == "request_human" or (intent == "affirm" and draft):
            found = {
                "esc_description": draft or escalations.SKIPPED,
                "esc_system": tracker.get_slot("esc_system_draft"),
                "esc_urgency": tracker.get_slot("esc_urgency_draft"),
            }
            return {k: v for k, v in found.items() if v}
        value = self._text(slot_value)
        if value == escalations.SKIPPED:
            return {"esc_description": value}
        found = {
            "esc_description": value,
            "esc_system": said_system(value) or tracker.get_slot("esc_system_draft"),
            "esc_urgency": said_urgency(value) or tracker.get_slot("esc_urgency_draft"),
        }
        return {k: v for k, v in found.items() if v}

    async def validate_esc_system(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Free text."""
        if _opening(tracker):
            return {"esc_system": tracker.get_slot("esc_system_draft")}
        return {"esc_system": self._text(slot_value, 200)}

    async def validate_esc_urgency(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Button values as they are; typed answers mapped by keywords, else kept in words."""
        if _opening(tracker):
            return {"esc_urgency": tracker.get_slot("esc_urgency_draft")}
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
        if _opening(tracker):
            return {"esc_contact": None}
        return {"esc_contact": self._text(slot_value, 200)}


class ActionAskEscDescription(Action):
    """Offer what was already said (description, device or system, urgency) for one confirmation, or ask."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_ask_esc_description"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Two wordings, one slot; the confirmation names the details it would pass on with the description."""
        draft = tracker.get_slot("esc_description_draft")
        if draft:
            language = "en" if tracker.get_slot("language") == "en" else "de"
            details = draft_details(
                tracker.get_slot("esc_system_draft"), tracker.get_slot("esc_urgency_draft"), language
            )
            dispatcher.utter_message(response="utter_ask_description_confirm", draft=draft, details=details)
        else:
            dispatcher.utter_message(response="utter_ask_description_free")
        return []


def draft_details(system: str | None, urgency: str | None, language: str) -> str:
    """The drafted device/system and urgency as the confirmation shows them ('' when neither is known)."""
    parts = []
    if system:
        parts.append(text("escalation.confirm.system", language, text=system))
    if urgency:
        words = section("escalation.urgency", language).get(urgency, urgency)
        parts.append(text("escalation.confirm.urgency", language, text=words))
    return text("escalation.confirm.details", language, text="; ".join(parts)) if parts else ""


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
        titles = await asyncio.to_thread(self._titles, [slug for slug, _ in conversation_articles(tracker)])
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
            reason=conversation_reason(tracker),
            details=details,
            query=str(tracker.get_slot("kb_query") or ""),
            status="waiting" if open_now else "ticket",
            incident_id=await escalation_incident(self.desk, tracker),
            **facts,
        )
        if esc.reason == "no_answer":
            await note_gap(self.desk, self.knowledge, tracker, str(tracker.get_slot("kb_query") or ""), "no_answer")
        reset: list[EventType] = [SlotSet(s, None) for s in (*FORM_SLOTS, *DRAFT_SLOTS, "esc_reason")]
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
