"""The knowledge replies of the chat (article, clarify, none) and the follow-up on "Hat Ihnen das geholfen?"."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.kb_records import note_gap, note_shown
from actions.requests import offer
from actions.texts import response_text
from desk import csat
from desk.live_knowledge import LiveKnowledgeSource
from desk.requests.catalogue import watched
from desk.runtime import LazyDesk
from knowledge.articles import Article
from knowledge.search import KnowledgeBase, SearchHit
from knowledge.source import KnowledgeSource, KnowledgeUnavailable
from settings import Settings

logger = logging.getLogger(__name__)

STAGE_ANSWERED = "answered"
STAGE_CLARIFY = "clarify"
STAGE_OFFER_ESCALATION = "offer_escalation"
STAGE_TOPICS = "topics"
CLARIFY_OPTIONS = 3


def _list(tracker: Tracker, slot: str) -> list[str]:
    value = tracker.get_slot(slot)
    return list(value) if isinstance(value, list) else []


def _verdicts(tracker: Tracker) -> dict[str, str]:
    value = tracker.get_slot("kb_verdicts")
    return dict(value) if isinstance(value, dict) else {}


def present_article(
    dispatcher: CollectingDispatcher, article: Article, url: str, response: str = "utter_kb_answer", ask: bool = True
) -> None:
    """Title, a short summary taken from the article, its link, and (``ask``) the feedback question."""
    dispatcher.utter_message(
        response=response,
        title=article.title,
        summary="\n".join(article.summary()),
        url=url,
        json_message={"type": "article", "slug": article.slug, "title": article.title, "url": url},
    )
    if ask:
        dispatcher.utter_message(response="utter_kb_ask_helpful")


def start_escalation(reason: str | None = None) -> list[EventType]:
    """Hand over to ``action_start_escalation`` (which starts the form); ``reason`` overrides its guess."""
    events: list[EventType] = [SlotSet("esc_reason", reason)] if reason else []
    return events + [FollowupAction("action_start_escalation")]


def answered_events(slug: str, offered: list[str], candidates: list[str]) -> list[EventType]:
    """Slots after presenting ``slug``: it is the one under feedback, the rest stay candidates."""
    return [
        SlotSet("kb_stage", STAGE_ANSWERED),
        SlotSet("kb_current", slug),
        SlotSet("kb_offered", offered + [slug] if slug not in offered else offered),
        SlotSet("kb_candidates", [c for c in candidates if c != slug]),
        SlotSet("article_slug", None),
    ]


class KnowledgeAction(Action):
    """An action that reads the shared knowledge base."""

    def __init__(
        self, knowledge: KnowledgeSource | None = None, settings: Settings | None = None, desk: LazyDesk | None = None
    ) -> None:
        """The SDK calls this bare; tests and the server pass a shared source. ``desk`` keeps the statistics."""
        self.settings = settings or Settings.load()
        self.desk = desk or LazyDesk.of(self.settings)
        # The articles in the database, followed live (nothing is loaded before the first question).
        self.knowledge = knowledge or LiveKnowledgeSource(self.settings.knowledge, self.desk)

    async def knowledge_base(self) -> KnowledgeBase | None:
        """The knowledge base, loaded off the event loop; ``None`` (logged) when it cannot be loaded."""
        try:
            return await asyncio.to_thread(self.knowledge.get)
        except KnowledgeUnavailable:
            logger.exception("knowledge base unavailable")
            return None


class KnowledgeReplies(KnowledgeAction):
    """The knowledge outcomes of the chat's decision: an article, three to choose from, or honestly none."""

    def name(self) -> str:  # pragma: no cover - used inside action_respond, not registered on its own
        """Not a registered action."""
        return "knowledge_replies"

    async def chosen(self, dispatcher: CollectingDispatcher, tracker: Tracker, kb: KnowledgeBase) -> list[EventType]:
        """A clarify button picked an article."""
        slug = tracker.get_slot("article_slug")
        article = kb.article(str(slug)) if slug else None
        if article is not None:
            present_article(dispatcher, article, self.settings.servers.article_url(article.slug))
            await self.offer_request(dispatcher, article.slug, tracker.get_slot("language"))
            await note_shown(self.desk, article.slug)
            return answered_events(article.slug, _list(tracker, "kb_offered"), _list(tracker, "kb_candidates"))
        # The article was retired since the buttons were shown: say so instead of searching the payload.
        dispatcher.utter_message(response="utter_kb_no_answer")
        return [SlotSet("kb_stage", STAGE_OFFER_ESCALATION), SlotSet("article_slug", None)]

    async def new_question(self, tracker: Tracker, query: str) -> list[EventType]:
        """A new question starts a new list of offered articles and verdicts (the escalation context)."""
        if tracker.get_slot("kb_stage") == STAGE_CLARIFY:
            # The employee asked something new instead of picking one of the offered articles.
            await note_gap(self.desk, self.knowledge, tracker, str(tracker.get_slot("kb_query") or ""), "clarify")
        return [SlotSet("kb_query", query), SlotSet("kb_verdicts", {}), SlotSet("esc_reason", None)]

    async def offer_request(self, dispatcher: CollectingDispatcher, slug: str, language: object) -> None:
        """A structured request the catalogue ties to this article, offered as a button (issue 19)."""
        catalogue = await asyncio.to_thread(watched(self.settings.requests.catalogue).get)
        offer(dispatcher, catalogue, slug, "en" if language == "en" else "de")

    async def answer(
        self,
        dispatcher: CollectingDispatcher,
        kb: KnowledgeBase,
        best: SearchHit,
        runners_up: list[str],
        language: object = "de",
    ) -> list[EventType]:
        """Show one article; topics that always need a person get the first steps, then the escalation."""
        article = kb.article(best.slug)
        if article is None:  # retired between search and answer
            dispatcher.utter_message(response="utter_kb_no_answer")
            return [SlotSet("kb_stage", STAGE_OFFER_ESCALATION), SlotSet("kb_candidates", [])]
        if article.slug in self.settings.handoff.needs_person:
            # Lost devices, suspected viruses, broken hardware: show the first steps, then a person.
            present_article(dispatcher, article, self.settings.servers.article_url(article.slug), ask=False)
            await note_shown(self.desk, article.slug)
            dispatcher.utter_message(response="utter_needs_person")
            return answered_events(article.slug, [], []) + start_escalation("needs_person")
        present_article(dispatcher, article, self.settings.servers.article_url(article.slug))
        await self.offer_request(dispatcher, article.slug, language)
        await note_shown(self.desk, article.slug)
        return answered_events(article.slug, [], runners_up)

    def clarify(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any], options: list[SearchHit]
    ) -> list[EventType]:
        """The "Meinten Sie …?" question with one button per article and "Nichts davon"."""
        language = tracker.get_slot("language")
        buttons = [{"title": h.title, "payload": f'/choose_article{{"article_slug": "{h.slug}"}}'} for h in options]
        buttons.append({"title": response_text(domain, "utter_kb_none_of_these", language), "payload": "/deny"})
        dispatcher.utter_message(response="utter_kb_clarify", buttons=buttons)
        return [
            SlotSet("kb_stage", STAGE_CLARIFY),
            SlotSet("kb_candidates", [h.slug for h in options]),
            SlotSet("article_slug", None),
        ]

    def topics(self, dispatcher: CollectingDispatcher) -> list[EventType]:
        """A vague message ("geht nix mehr"): which area? The buttons narrow the search (no gap, no escalation)."""
        dispatcher.utter_message(response="utter_kb_topics")
        return [SlotSet("kb_stage", STAGE_TOPICS), SlotSet("kb_candidates", [])]

    def narrowed(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
        hits: list[SearchHit],
    ) -> list[EventType]:
        """After a topic button without a confident answer: the topic's closest articles to choose from."""
        if not hits:
            dispatcher.utter_message(response="utter_kb_topic_other")
            return [SlotSet("kb_stage", STAGE_OFFER_ESCALATION)]
        return self.clarify(dispatcher, tracker, domain, hits[:CLARIFY_OPTIONS])

    async def none(self, dispatcher: CollectingDispatcher, tracker: Tracker, query: str) -> list[EventType]:
        """Nothing fits: say so, offer the service desk, keep the question for the editors."""
        dispatcher.utter_message(response="utter_kb_no_answer")
        await note_gap(self.desk, self.knowledge, tracker, query, "none")
        return [SlotSet("kb_stage", STAGE_OFFER_ESCALATION), SlotSet("kb_candidates", [])]


class Feedback(KnowledgeAction):
    """Yes/no after an answer, a clarification or an escalation offer; 👍/👎 are stored per article."""

    def name(self) -> str:  # pragma: no cover - used inside action_respond, not registered on its own
        """Not a registered action."""
        return "feedback"

    async def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, yes: bool) -> list[EventType]:
        """Record the verdict and lead on: next article, escalation offer, or back to the start."""
        stage = tracker.get_slot("kb_stage")
        verdicts = _verdicts(tracker)
        current = tracker.get_slot("kb_current")

        if stage == STAGE_ANSWERED and current:
            verdicts[str(current)] = "helpful" if yes else "not_helpful"
            await self._record(str(current), yes, tracker)
            if yes:
                dispatcher.utter_message(response="utter_kb_glad")
                return [SlotSet("kb_verdicts", verdicts), SlotSet("kb_stage", None)]
            query = str(tracker.get_slot("kb_query") or "")
            await note_gap(self.desk, self.knowledge, tracker, query, "not_helpful", article=str(current))
            return [SlotSet("kb_verdicts", verdicts)] + await self._next_or_escalate(dispatcher, tracker)
        if stage == STAGE_CLARIFY and not yes:
            for slug in _list(tracker, "kb_candidates"):
                verdicts.setdefault(slug, "not_chosen")
            await note_gap(self.desk, self.knowledge, tracker, str(tracker.get_slot("kb_query") or ""), "clarify")
            dispatcher.utter_message(response="utter_kb_not_helpful_escalate")
            return [SlotSet("kb_verdicts", verdicts), SlotSet("kb_stage", STAGE_OFFER_ESCALATION)]
        if stage == STAGE_OFFER_ESCALATION and yes:
            # The start action runs next and starts the escalation form (an active loop needs no rule).
            return start_escalation()
        dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet("kb_stage", None)]

    async def _record(self, slug: str, helpful: bool, tracker: Tracker) -> None:
        language = "en" if tracker.get_slot("language") == "en" else "de"
        try:
            desk = await asyncio.to_thread(self.desk.get)
            await asyncio.to_thread(
                csat.record_article_feedback, desk.engine, slug=slug, helpful=helpful, language=language
            )
        except Exception:  # noqa: BLE001 - feedback statistics must never break the answer
            logger.exception("article feedback not stored")

    async def _next_or_escalate(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        offered = _list(tracker, "kb_offered")
        remaining = [s for s in _list(tracker, "kb_candidates") if s not in offered]
        kb = await self.knowledge_base() if remaining else None
        article = kb.article(remaining[0]) if kb is not None and remaining else None
        if article is None:
            dispatcher.utter_message(response="utter_kb_not_helpful_escalate")
            return [SlotSet("kb_stage", STAGE_OFFER_ESCALATION)]
        present_article(
            dispatcher, article, self.settings.servers.article_url(article.slug), "utter_kb_next_answer", ask=False
        )
        dispatcher.utter_message(response="utter_kb_ask_helpful_or_person")  # after a 👎: a person is one click
        await note_shown(self.desk, article.slug)
        return answered_events(article.slug, offered, remaining[1:])
