"""The one-click closing question (CSAT): asked once per conversation, stored before the thank-you.

Works in any Rasa channel: the question is a message with five buttons whose payloads carry the score.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import DeskAction
from actions.handoff_context import articles_shown
from desk import csat, escalations

logger = logging.getLogger(__name__)


def _intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def resolution_path(tracker: Tracker, latest: escalations.Escalation | None) -> str:
    """Bot | agent | ticket | abandoned, from the conversation's escalation and the way it ends.

    An agent who chatted and then handed the conversation back to the assistant still resolved it with a person.
    """
    if latest is not None and latest.status in ("resolved", "handed_back"):
        return "agent"
    if latest is not None and latest.status == "ticket":
        return "ticket"
    verdicts = tracker.get_slot("kb_verdicts") or {}
    helped = isinstance(verdicts, dict) and "helpful" in verdicts.values()
    if _intent(tracker) == "EXTERNAL_csat_inactive" and not helped:
        return "abandoned"
    return "bot"


class ActionAskCsat(DeskAction):
    """Ask "Wie zufrieden sind Sie …?" unless this conversation was asked before."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_ask_csat"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Record the asking (with its resolution path) atomically, then ask."""
        desk = await asyncio.to_thread(self.desk.get)
        latest = await asyncio.to_thread(escalations.latest_for, desk.engine, tracker.sender_id)
        path = resolution_path(tracker, latest)
        if await asyncio.to_thread(_ensure_and_mark, desk, tracker.sender_id, path):
            dispatcher.utter_message(response="utter_ask_csat", json_message={"type": "csat"})
        elif _intent(tracker) == "EXTERNAL_end_conversation":
            dispatcher.utter_message(response="utter_conversation_ended")
        return []


def _ensure_and_mark(desk: Any, conversation_id: str, path: str) -> bool:
    # Conversations from other Rasa channels have no row yet: the question must still be asked only once.
    from desk import conversations
    from desk.identity import pseudonym

    if conversations.pseudonym_of(desk.engine, conversation_id) is None:
        conversations.ensure_conversation(
            desk.engine, conversation_id, pseudonym(desk.secret, f"rasa:{conversation_id}")
        )
    return csat.mark_asked(desk.engine, conversation_id, path)


class ActionStoreCsat(DeskAction):
    """Store the clicked score, then thank and offer the optional comment."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_store_csat"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """The rating is written before the thank-you is sent (a crash in between loses no rating)."""
        desk = await asyncio.to_thread(self.desk.get)
        raw = next(
            (e.get("value") for e in tracker.latest_message.get("entities", []) if e.get("entity") == "csat_score"),
            tracker.get_slot("csat_score"),
        )
        try:
            score = int(str(raw))
        except ValueError:
            score = 0
        if score not in csat.SCORES:
            dispatcher.utter_message(response="utter_ask_csat", json_message={"type": "csat"})
            return [SlotSet("csat_score", None)]
        conversation = tracker.sender_id
        path = await asyncio.to_thread(csat.asked_path, desk.engine, conversation)
        if path is None:  # a click on an old question, or a channel that skipped asking
            latest = await asyncio.to_thread(escalations.latest_for, desk.engine, conversation)
            path = resolution_path(tracker, latest)
            await asyncio.to_thread(_ensure_and_mark, desk, conversation, path)
        language = "en" if tracker.get_slot("language") == "en" else "de"
        stored = await asyncio.to_thread(
            csat.store_rating,
            desk.engine,
            conversation_id=conversation,
            score=score,
            path=path,
            articles=articles_shown(tracker),
            language=language,
        )
        if not stored:
            dispatcher.utter_message(response="utter_csat_already")
            return [SlotSet("csat_score", None)]
        dispatcher.utter_message(response="utter_csat_thanks")
        return [SlotSet("csat_score", None), SlotSet("csat_comment", None), FollowupAction("csat_comment_form")]


class ActionStoreCsatComment(DeskAction):
    """Attach the optional comment to the rating."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_store_csat_comment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Store, thank, done."""
        desk = await asyncio.to_thread(self.desk.get)
        comment = str(tracker.get_slot("csat_comment") or "")
        if comment and not comment.startswith("/"):
            await asyncio.to_thread(csat.add_comment, desk.engine, tracker.sender_id, comment)
        dispatcher.utter_message(response="utter_csat_comment_thanks")
        return [SlotSet("csat_comment", None)]
