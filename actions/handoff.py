"""Escalation to people. Live handoff comes with the escalation issue; until then, honest contact details."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from knowledge.settings import Settings


def escalate(dispatcher: CollectingDispatcher) -> list[EventType]:
    """The escalation step itself, shared by ``action_escalate`` and a "yes" to an escalation offer."""
    dispatcher.utter_message(response="utter_handoff_contact")
    return [SlotSet("kb_stage", None)]


class ActionEscalate(Action):
    """Tell the employee how to reach the service desk (no fake "I have forwarded it")."""

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_escalate"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Give the contact channels; the knowledge context stays in the slots."""
        return escalate(dispatcher)


class ActionTicketStatus(Action):
    """Point to where ticket status lives until the ticket sink is connected."""

    def __init__(self, settings: Settings | None = None) -> None:
        """Settings give the public article URL."""
        self.settings = settings or Settings.from_env()

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_ticket_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Link to the portal and the how-to article."""
        dispatcher.utter_message(
            response="utter_ticket_status", url=self.settings.article_url("ticket-status-abfragen")
        )
        return []
