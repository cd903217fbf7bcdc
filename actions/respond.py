"""``action_respond``: the one place where the chat decides what to do with a message.

Rasa routes every typed message and every button click here (rules in ``bot/data/rules/core.yml``). A
button click carries its intent and is carried out as it says. A typed message gets both DIET's intent
ranking (already in the tracker) and a knowledge search; ``knowledge.decision`` turns them into one
outcome, which this action carries out. The reason for every decision is logged at debug level
(features and outcome, never the text).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.csat import ActionAskCsat
from actions.handoff import ActionStartEscalation
from actions.handoff_context import asks_for_person
from actions.incident import IncidentReplies
from actions.knowledge_answer import (
    STAGE_ANSWERED,
    STAGE_CLARIFY,
    STAGE_OFFER_ESCALATION,
    Feedback,
    KnowledgeAction,
    KnowledgeReplies,
)
from actions.ticket_status import STAGE_NUMBER, ActionTicketStatus, number_in
from actions.unlock import STAGES as UNLOCK_STAGES
from actions.unlock import UnlockFlow
from desk.requests.status import number_in as request_number_in
from desk.runtime import LazyDesk
from knowledge.decision import Decision, DecisionParams, Signals, decide
from knowledge.search import KnowledgeBase
from knowledge.source import KnowledgeSource
from knowledge.vague import is_vague, narrowed
from settings import Settings

logger = logging.getLogger(__name__)

# The article on looking up a ticket; the ticket-status action does it for the employee when they have tickets.
TICKET_STATUS_ARTICLE = "ticket-status-abfragen"
# "Konto entsperren" is not part of the fitted decision (knowledge/decision.yml): DIET's own confidence decides.
UNLOCK_MIN = 0.6
# The article on a locked account: its answer offers the unlock as a button (when a directory is configured).
LOCKED_ARTICLE = "konto-gesperrt"


class ActionRespond(KnowledgeAction):
    """Decide over intent and retrieval, then answer, clarify, refuse, or follow the conversation intent."""

    def __init__(
        self,
        knowledge: KnowledgeSource | None = None,
        settings: Settings | None = None,
        desk: LazyDesk | None = None,
        params: DecisionParams | None = None,
    ) -> None:
        """The SDK calls this bare; the server and tests pass shared handles (and tests the parameters)."""
        super().__init__(knowledge, settings, desk)
        self._params = params
        self._params_lock = threading.Lock()
        self.replies = KnowledgeReplies(self.knowledge, self.settings, self.desk)
        self.feedback = Feedback(self.knowledge, self.settings, self.desk)
        self.csat = ActionAskCsat(self.desk, self.settings)
        self.escalation = ActionStartEscalation(self.desk, self.settings)
        self.tickets = ActionTicketStatus(self.desk, self.settings)
        self.incidents = IncidentReplies(self.desk)
        self.unlock = UnlockFlow(self.desk, self.settings)

    def name(self) -> str:
        """Action name used in the domain."""
        return "action_respond"

    @property
    def params(self) -> DecisionParams:
        """The fitted decision (``knowledge/decision.yml``), read once."""
        if self._params is None:
            with self._params_lock:
                if self._params is None:
                    self._params = DecisionParams.load(self.settings.knowledge.decision_file)
        return self._params

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Buttons do what they say; typed text goes through the decision."""
        text = str(tracker.latest_message.get("text") or "").strip()
        intent = str((tracker.latest_message.get("intent") or {}).get("name") or "")
        if text.startswith("/"):
            return await self._button(intent, dispatcher, tracker, domain)
        if tracker.get_slot("kb_stage") == STAGE_NUMBER and number_in(text) or request_number_in(text):
            return await self.tickets.run(dispatcher, tracker, domain)  # the number the chat asked for, a request's
        if tracker.get_slot("kb_stage") in UNLOCK_STAGES:
            taken = await self.unlock.take(dispatcher, tracker, text)  # the user name or the code it asked for
            if taken is not None:
                return taken
            # Something else: the unlock question is left behind (an open code stays valid on the server).
            return [SlotSet("kb_stage", None), *await self._typed(text, intent, dispatcher, tracker, domain)]
        return await self._typed(text, intent, dispatcher, tracker, domain)

    async def _typed(
        self, text: str, intent: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """A typed message that answers no question of the chat's own."""
        if intent == "unlock_account" and self._confidence(tracker) >= UNLOCK_MIN:
            return await self.unlock.begin(dispatcher, tracker)
        if self._vague(text, intent, tracker):
            return await self.replies.new_question(tracker, text) + self.replies.topics(dispatcher)
        kb = await self.knowledge_base()
        if kb is None:
            # Without the knowledge base the conversation intents still work; questions get the notice.
            if intent in ("greet", "goodbye", "thank", "affirm", "deny", "request_human", "ticket_status"):
                return await self._intent(intent, dispatcher, tracker, domain)
            dispatcher.utter_message(response="utter_kb_unavailable")
            return []
        query = text[: self.settings.knowledge.max_query_chars]
        decision = await asyncio.to_thread(self._decide, kb, query, tracker)
        logger.debug("decision %s", decision.why())
        return await self._carry_out(decision, query, dispatcher, tracker, domain, kb)

    @staticmethod
    def _confidence(tracker: Tracker) -> float:
        return float((tracker.latest_message.get("intent") or {}).get("confidence") or 0.0)

    @staticmethod
    def _vague(text: str, intent: str, tracker: Tracker) -> bool:
        """A vague message ("geht nix mehr", "hilfe") gets the areas; DIET reading a person in it does not count.

        Not where it answers a question: "klappt leider nicht" after an article is a 👎, "jetzt geht es wieder" a yes.
        """
        if tracker.get_slot("kb_stage") in (STAGE_ANSWERED, STAGE_OFFER_ESCALATION, STAGE_CLARIFY):
            return False
        return intent not in ("affirm", "deny", "thank", "goodbye", "greet") and is_vague(text)

    def _decide(
        self, kb: KnowledgeBase, query: str, tracker: Tracker, ranking: dict[str, float] | None = None
    ) -> Decision:
        if ranking is None:
            ranking = {
                str(r.get("name")): float(r.get("confidence") or 0.0)
                for r in tracker.latest_message.get("intent_ranking") or []
                if r.get("name") != "nlu_fallback"
            }
        result = kb.search(query, 5)
        known, total = kb.coverage(query)
        language = "en" if tracker.get_slot("language") == "en" else "de"
        return decide(Signals(query, language, ranking, result.hits, known, total), self.params)

    async def _carry_out(
        self,
        decision: Decision,
        query: str,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
        kb: KnowledgeBase,
        incidents: bool = True,
    ) -> list[EventType]:
        """Carry out the decision; a matching active incident (unless ``incidents`` is off) comes before articles."""
        if decision.outcome == "intent" and decision.intent:
            return await self._intent(decision.intent, dispatcher, tracker, domain)
        if asks_for_person(tracker):
            # A problem said together with a clear request for a person: the person, with the problem as draft.
            return await self._intent("request_human", dispatcher, tracker, domain)
        hit = await self.incidents.match(tracker, query, decision.searched, kb.embedder) if incidents else None
        if hit is not None and (hit.sure or decision.outcome != "answer"):
            # A declared major incident comes first: the known outage, subscribe, another problem, or a person.
            # Only likely (not sure)? Then a confident article answer wins, and the question is asked only
            # where the knowledge had no direct answer: an unrelated question keeps its article during an outage.
            logger.debug("incident %s p=%.2f instead of %s", hit.id, hit.probability, decision.outcome)
            return await self.replies.new_question(tracker, query) + await self.incidents.offer(
                dispatcher, tracker, domain, hit
            )
        if decision.outcome == "off_topic":
            dispatcher.utter_message(response="utter_out_of_scope")
            dispatcher.utter_message(response="utter_out_of_scope_rescue")
            return [SlotSet("kb_stage", None)]
        events = await self.replies.new_question(tracker, query)
        if decision.outcome == "answer":
            best = decision.hits[0]
            own = await self.tickets.tickets(tracker) if best.slug == TICKET_STATUS_ARTICLE else []
            if best.slug == TICKET_STATUS_ARTICLE and (own or await self.tickets.requests(tracker)):
                # The article explains how to look a ticket up; with tickets of their own, show them instead.
                return await self.tickets.run(dispatcher, tracker, domain, own)
            runners_up = [h.slug for h in decision.runners_up]
            answered = await self.replies.answer(dispatcher, kb, best, runners_up, tracker.get_slot("language"))
            if best.slug == LOCKED_ARTICLE:
                self.unlock.offer(dispatcher, tracker)
            return events + answered
        if decision.outcome == "clarify":
            return events + self.replies.clarify(dispatcher, tracker, domain, list(decision.hits))
        return events + await self.replies.none(dispatcher, tracker, query)

    async def _intent(
        self, intent: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """The conversation intents: small talk, yes/no in the flow, a person, ticket status."""
        if intent == "greet":
            dispatcher.utter_message(response="utter_greet")
            return []
        if intent in ("goodbye", "thank"):
            dispatcher.utter_message(response="utter_goodbye" if intent == "goodbye" else "utter_you_are_welcome")
            return await self.csat.run(dispatcher, tracker, domain)
        if intent in ("affirm", "deny"):
            return await self.feedback.handle(dispatcher, tracker, yes=intent == "affirm")
        if intent == "request_human":
            return await self.escalation.run(dispatcher, tracker, domain)
        if intent == "ticket_status":
            return await self.tickets.run(dispatcher, tracker, domain)
        if intent == "unlock_account":
            return await self.unlock.begin(dispatcher, tracker)
        dispatcher.utter_message(response="utter_default")
        return []

    async def _button(
        self, intent: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """A click: the payload names the intent (and entities) the bot offered."""
        if intent == "choose_article":
            kb = await self.knowledge_base()
            if kb is None:
                dispatcher.utter_message(response="utter_kb_unavailable")
                return []
            return await self.replies.chosen(dispatcher, tracker, kb)
        if intent == "choose_topic":
            return await self._topic(dispatcher, tracker, domain)
        if intent == "rephrase":
            dispatcher.utter_message(response="utter_rephrase")
            return [SlotSet("kb_stage", None)]
        if intent == "incident_subscribe":
            return await self.incidents.subscribe(dispatcher, tracker)
        if intent == "incident_other":
            return await self._other_problem(dispatcher, tracker, domain)
        if intent == "incident_confirm":
            return await self.incidents.confirm(dispatcher, tracker, domain)
        return await self._intent(intent, dispatcher, tracker, domain)

    async def _other_problem(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Another problem ("Das ist ein anderes Problem"): the same message, normal path, no incidents."""
        await self.incidents.other(tracker)
        query = str(tracker.get_slot("kb_query") or "")
        kb = await self.knowledge_base()
        if kb is None:
            dispatcher.utter_message(response="utter_kb_unavailable")
            return []
        if not query:
            dispatcher.utter_message(response="utter_rephrase")
            return [SlotSet("kb_stage", None)]
        # The employee says it is an IT problem of its own: not small talk, whatever DIET made of the click.
        decision = await asyncio.to_thread(self._decide, kb, query, tracker, {"it_request": 1.0})
        logger.debug("other-problem decision %s", decision.why())
        return await self._carry_out(decision, query, dispatcher, tracker, domain, kb, incidents=False)

    async def _topic(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """A topic button after a vague message: search again with the topic's words in front of the message."""
        query = narrowed(str(tracker.get_slot("topic") or ""), str(tracker.get_slot("kb_query") or ""))
        done: list[EventType] = [SlotSet("topic", None)]
        if query is None:  # "Sonstiges": say it in a sentence, or talk to the service desk
            return done + self.replies.narrowed(dispatcher, tracker, domain, [])
        kb = await self.knowledge_base()
        if kb is None:
            dispatcher.utter_message(response="utter_kb_unavailable")
            return done
        # The employee named an IT area: the message is an IT question, whatever DIET made of the click.
        decision = await asyncio.to_thread(self._decide, kb, query, tracker, {"it_request": 1.0})
        logger.debug("topic decision %s", decision.why())
        events = done + await self.replies.new_question(tracker, query)
        if decision.outcome == "answer":
            return events + await self.replies.answer(
                dispatcher, kb, decision.hits[0], [h.slug for h in decision.runners_up], tracker.get_slot("language")
            )
        hits = list(decision.hits if decision.outcome == "clarify" else kb.search(query, 3).hits)
        return events + self.replies.narrowed(dispatcher, tracker, domain, hits)
