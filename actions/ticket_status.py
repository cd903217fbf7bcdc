"""Ticket status from the chat: the employee's own tickets and requests, or the one whose number they give.

Structured requests (issue 19, ``AN-2026-000042``) come along with the tickets, or alone when the number is a
request's.

Only tickets of the same pseudonymous user are ever shown: another person's ticket number gets the same
"not found" answer as a number that does not exist, so the chat reveals nothing about other people's tickets.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from desk import conversations, escalations
from desk.escalations import Escalation
from desk.identity import pseudonym
from desk.requests import records
from desk.requests import status as request_status
from desk.requests.catalogue import watched
from desk.runtime import LazyDesk
from desk.tickets.base import TicketError
from settings import Settings
from texts import section

logger = logging.getLogger(__name__)

STAGE_NUMBER = "ticket_number"  # kb_stage while the chat waits for a ticket number
# Our own numbers (SD-2026-000042) and a ticket system's plain numbers (Zammad: 31001).
_NUMBER = re.compile(r"\b([A-Za-z]{2,6}-\d{4}-\d{1,8}|\d{5,16})\b")
OWN_TICKETS_SEARCHED = 200


def number_in(text: str) -> str | None:
    """The first ticket number in a message."""
    found = _NUMBER.search(text)
    return found.group(1) if found else None


async def user_of(lazy: LazyDesk, sender: str) -> str:
    """The pseudonym of a conversation's user (a conversation only Rasa knows: keyed from its sender id)."""
    desk = await asyncio.to_thread(lazy.get)
    return await asyncio.to_thread(conversations.pseudonym_of, desk.engine, sender) or pseudonym(
        desk.secret, f"rasa:{sender}"
    )


class ActionTicketStatus(Action):
    """The employee's tickets from the chat, read from the ticket sink they went to."""

    def __init__(self, desk: LazyDesk | None = None, settings: Settings | None = None) -> None:
        """The SDK calls this bare; the server and tests pass shared handles."""
        self.settings = settings or Settings.load()
        self.desk = desk or LazyDesk.of(self.settings)

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_ticket_status"

    async def user(self, tracker: Tracker) -> str:
        """The pseudonym of the conversation's user."""
        return await user_of(self.desk, tracker.sender_id)

    async def tickets(self, tracker: Tracker, limit: int = 3) -> list[Escalation]:
        """The employee's newest tickets."""
        desk = await asyncio.to_thread(self.desk.get)
        return await asyncio.to_thread(escalations.tickets_of, desk.engine, await self.user(tracker), limit)

    async def requests(self, tracker: Tracker, message: str = "", everything: bool = False) -> list[str]:
        """The employee's structured requests in sentences (texts/): the named one, else the newest three.

        Without a request number and without requests: nothing (``everything`` says the "none" sentence too).
        """
        desk = await asyncio.to_thread(self.desk.get)
        language = "en" if tracker.get_slot("language") == "en" else "de"
        catalogue = await asyncio.to_thread(watched(self.settings.requests.catalogue).get)
        user = await self.user(tracker)
        if not everything and await asyncio.to_thread(records.of_user, desk.engine, user, 1) == []:
            return []
        return await asyncio.to_thread(
            request_status.describe, desk.engine, catalogue, user=user, language=language, message=message
        )

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
        found: list[Escalation] | None = None,
    ) -> list[EventType]:
        """The ticket named by number, else up to three newest (``found``: already looked up), else ask."""
        message = str(tracker.latest_message.get("text") or "")
        if request_status.number_in(message) is not None:
            for line in await self.requests(tracker, message, everything=True):
                dispatcher.utter_message(text=line)
            return [SlotSet("kb_stage", None)]
        number = number_in(message)
        if number is not None:
            own = await self.tickets(tracker, OWN_TICKETS_SEARCHED)
            named = [e for e in own if str(e.ticket_number).casefold() == number.casefold()]
            if not named:
                dispatcher.utter_message(response="utter_ticket_status_not_found", number=number)
                return [SlotSet("kb_stage", None)]
            found = named
        if found is None:
            found = await self.tickets(tracker)
        requests = await self.requests(tracker) if number is None else []
        if not found and not requests:
            url = self.settings.servers.article_url("ticket-status-abfragen")
            dispatcher.utter_message(response="utter_ticket_status_none", url=url)
            return [SlotSet("kb_stage", STAGE_NUMBER)]
        await self._say(dispatcher, tracker, found)
        for line in requests:
            dispatcher.utter_message(text=line)
        return [SlotSet("kb_stage", None)]

    async def _say(self, dispatcher: CollectingDispatcher, tracker: Tracker, found: list[Escalation]) -> None:
        desk = await asyncio.to_thread(self.desk.get)
        language = "en" if tracker.get_slot("language") == "en" else "de"
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
