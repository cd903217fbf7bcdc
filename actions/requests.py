"""Structured requests in the chat (issue 19): one form whose questions come from the catalogue.

The domain knows three slots only: ``request_kind`` (set by the button ``/start_request{"request_kind": ...}``),
``request_answer`` (the text of the current answer) and ``request_values`` (the answers so far, by field). The
validation action's ``required_slots`` keeps asking ``request_answer`` while the catalogue's kind has required
fields without a valid value, and ``action_ask_request_answer`` asks the next one with the catalogue's label and
choices: an edit of ``settings/requests.yml`` changes the questions without retraining. Then a summary to
confirm, then the request (ticket or approval mail, ``desk.requests.flow``).
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff_context import FINDER
from actions.ticket_status import user_of
from desk.requests import flow
from desk.requests.catalogue import Catalogue, Kind, watched
from desk.requests.flow import RequestError
from desk.runtime import LazyDesk
from settings import Settings
from texts import text

logger = logging.getLogger(__name__)
SLOTS = ("request_kind", "request_values", "request_answer")


def _language(tracker: Tracker) -> str:
    return "en" if tracker.get_slot("language") == "en" else "de"


def _values(tracker: Tracker) -> dict[str, str]:
    found = tracker.get_slot("request_values")
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def _reset() -> list[EventType]:
    return [SlotSet(name, None) for name in SLOTS]


def said_before(tracker: Tracker) -> str:
    """The employee's last typed message before the button that started the form ("" when none)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            said = str(event.get("text") or "")
            if said and not said.startswith("/"):
                return said
    return ""


def _words(said: str) -> str:
    """The words of a text, lower case, space-padded (for whole-word matching)."""
    return " " + " ".join(re.findall(r"[\w.-]+", said.casefold())) + " "


def prefilled(kind: Kind, said: str) -> dict[str, str]:
    """Choice fields whose entry the message names: not asked again.

    An entry is named by its id or label as whole words, or by a system or device the language layer's spaCy
    entity rules find in the message and the entry lists among its ``entities`` ("zweiter Bildschirm").
    """
    words = _words(said)
    spans = {e.text.casefold() for e in FINDER.find(said) if e.label in ("SYSTEM", "DEVICE")} if said else set()
    found: dict[str, str] = {}
    for f in kind.fields:
        named = [
            e.id
            for e in kind.choices(f.name)
            if _words(e.id) in words or _words(e.label) in words or spans & {x.casefold() for x in e.entities}
        ]
        if len(named) == 1:  # two named: ask, rather than guess
            found[f.name] = named[0]
    return found


def offer(dispatcher: CollectingDispatcher, catalogue: Catalogue, slug: str, language: str) -> None:
    """After an answer with an article the catalogue names: the request as a button (its form starts at once)."""
    kind = catalogue.for_article(slug)
    if kind is None:
        return
    button = {"title": kind.label(language), "payload": f'/start_request{{"request_kind": "{kind.name}"}}'}
    dispatcher.utter_message(text=text("request.chat.offer", language), buttons=[button])


class _Catalogue:
    """The current catalogue from the settings (read on first use, again after an edit)."""

    def __init__(self, settings: Settings | None) -> None:
        self.settings = settings or Settings.load()

    async def catalogue(self) -> Catalogue:
        return await asyncio.to_thread(watched(self.settings.requests.catalogue).get)

    async def kind(self, tracker: Tracker) -> Kind | None:
        name = tracker.get_slot("request_kind")
        return (await self.catalogue()).kind(name) if isinstance(name, str) else None


class ValidateRequestForm(FormValidationAction, _Catalogue):
    """Checks each answer against its catalogue field; asks until every required field has a valid value."""

    def __init__(self, settings: Settings | None = None) -> None:
        """The SDK calls this bare; the server and tests pass the settings."""
        _Catalogue.__init__(self, settings)

    def name(self) -> str:
        """Validation action of ``request_form``."""
        return "validate_request_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[str]:
        """``request_answer`` while a required field is missing; nothing for a kind the catalogue lacks."""
        kind = await self.kind(tracker)
        if kind is None:
            return []
        return ["request_kind", "request_answer"] if kind.missing(_values(tracker)) else ["request_kind"]

    async def validate_request_kind(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        """A kind of the catalogue starts with what the employee already named; another one ends the form."""
        kind = (await self.catalogue()).kind(value) if isinstance(value, str) else None
        if kind is None:
            return {"request_kind": None}
        return {"request_kind": value, "request_values": prefilled(kind, said_before(tracker)), "request_answer": None}

    async def validate_request_answer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        """Keep a valid answer under its field; an invalid one is asked again with a hint."""
        kind = await self.kind(tracker)
        values = _values(tracker)
        missing = kind.missing(values) if kind else []
        if kind is None or not missing:
            return {"request_answer": None}
        field = kind.field(missing[0])
        checked = kind.check(field.name, value)
        language = _language(tracker)
        if checked is None:
            key = {"choice": "request.chat.invalid_choice", "date": "request.chat.invalid_date"}.get(
                field.type, "request.chat.invalid"
            )
            dispatcher.utter_message(text=text(key, language, label=field.label.get(language)))
            return {"request_answer": None}
        values[field.name] = checked
        # The last answer stays set: the form sees every required slot filled and ends.
        return {"request_values": values, "request_answer": None if kind.missing(values) else checked}


class ActionAskRequestAnswer(Action, _Catalogue):
    """The next question: the field's label, and for a choice its entries (with licence or price notes)."""

    def __init__(self, settings: Settings | None = None) -> None:
        """The SDK calls this bare; the server and tests pass the settings."""
        _Catalogue.__init__(self, settings)

    def name(self) -> str:
        """Asked by ``request_form`` for ``request_answer``."""
        return "action_ask_request_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """One message; the buttons send the entry's label as the answer."""
        kind = await self.kind(tracker)
        missing = kind.missing(_values(tracker)) if kind else []
        if kind is None or not missing:
            return []
        language = _language(tracker)
        field = kind.field(missing[0])
        label = field.label.get(language)
        choices = kind.choices(field.name)
        if not choices:
            dispatcher.utter_message(
                text=label if label.endswith("?") else text("request.chat.ask", language, label=label)
            )
            return []
        lines = [text("request.chat.ask_choice", language, label=label.rstrip("?"))]
        lines += [f"- {e.label}" + (f": {e.note.get(language)}" if e.note else "") for e in choices]
        buttons = [{"title": e.label, "payload": e.label} for e in choices]
        dispatcher.utter_message(text="\n".join(lines), buttons=buttons)
        return []


class ActionRequestSummary(Action, _Catalogue):
    """The answers to confirm, with who must approve; Ja / Nein as buttons."""

    def __init__(self, settings: Settings | None = None) -> None:
        """The SDK calls this bare; the server and tests pass the settings."""
        _Catalogue.__init__(self, settings)

    def name(self) -> str:
        """Runs when ``request_form`` is complete."""
        return "action_request_summary"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Summary and question, or the notice that the kind is not offered."""
        language = _language(tracker)
        kind = await self.kind(tracker)
        values = _values(tracker)
        if kind is None or kind.missing(values):
            dispatcher.utter_message(text=text("request.chat.unknown", language))
            return _reset()
        lines = [text("request.chat.summary", language, kind=kind.label(language))]
        for f in kind.fields:
            if values.get(f.name):
                entry = kind.entry(f.name, values[f.name]) if f.type == "choice" else None
                note = f" ({entry.note.get(language)})" if entry and entry.note else ""
                lines.append(f"- {f.label.get(language)}: {kind.shown(f.name, values[f.name], language)}{note}")
        approver = kind.approver(values)
        person = (await self.catalogue()).people.get(approver) if approver else None
        if person is not None:
            lines.append(text("request.chat.approval", language, approver=person.name))
        lines.append(text("request.chat.confirm", language))
        buttons = [
            {"title": text("request.chat.submit", language), "payload": "/affirm"},
            {"title": text("request.chat.discard", language), "payload": "/deny"},
        ]
        dispatcher.utter_message(text="\n".join(lines), buttons=buttons)
        return []


class ActionSubmitRequest(Action):
    """The confirmed request: stored, then a ticket or the approval mail; the chat hears which."""

    def __init__(self, desk: LazyDesk | None = None, settings: Settings | None = None) -> None:
        """The SDK calls this bare; the server and tests pass shared handles."""
        self.settings = settings or Settings.load()
        self.desk = desk or LazyDesk.of(self.settings)

    def name(self) -> str:
        """Runs after "Ja" to the summary."""
        return "action_submit_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Submit with the conversation as the place for later news (the approver's decision)."""
        language = _language(tracker)
        desk = await asyncio.to_thread(self.desk.get)
        requests = await asyncio.to_thread(flow.for_settings, desk, self.settings)
        user = await user_of(self.desk, tracker.sender_id)
        try:
            found = await asyncio.to_thread(
                lambda: flow.submit(
                    requests,
                    kind=str(tracker.get_slot("request_kind") or ""),
                    values=_values(tracker),
                    user=user,
                    conversation_id=tracker.sender_id,
                    language=language,
                    tell_now=False,
                )
            )
        except RequestError as exc:
            logger.info("request not submitted: %s", exc.code)
            dispatcher.utter_message(text=text("request.chat.unknown", language))
            return _reset()
        dispatcher.utter_message(text=flow.outcome(requests, found))
        return _reset()


class ActionRequestCancel(Action):
    """Saying "Nein" to the summary, or "abbrechen" in the form: nothing is stored."""

    def name(self) -> str:
        """Runs after "Nein" or "abbrechen"."""
        return "action_request_cancel"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        """Say so and forget the answers."""
        dispatcher.utter_message(text=text("request.chat.cancelled", _language(tracker)))
        return _reset()
