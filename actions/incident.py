"""Major incidents in the chat: the known outage answered first, "Benachrichtigen Sie mich", "anderes Problem".

``action_respond`` asks :meth:`IncidentReplies.match` for every typed message that is not a conversation intent;
a match is answered with the incident's published text and three buttons. The buttons come back here:
subscribing stores the conversation against the incident (pushes come from :mod:`desk.incident_push`), "Das ist
ein anderes Problem" is remembered (the conversation is not shown that incident again) and the same message goes
the normal knowledge path, and "Mit dem Service Desk sprechen" is the usual escalation, linked to the incident.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.texts import response_text
from desk import incident_chat, incidents
from desk.incident_push import LOCAL
from desk.incidents import IncidentConflict
from desk.live_incidents import LiveIncidents
from desk.runtime import LazyDesk
from knowledge.embedder import Embedder
from knowledge.incident_match import IncidentHit
from knowledge.ranking import SearchHit

logger = logging.getLogger(__name__)
STAGE_INCIDENT = "incident"
STAGE_INCIDENT_ASK = "incident_ask"


def _language(tracker: Tracker) -> str:
    return "en" if tracker.get_slot("language") == "en" else "de"


def _local(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).astimezone(LOCAL)
    except ValueError:
        return None


def _clock(domain: dict[str, Any], language: str, moment: datetime, today: datetime) -> str:
    """Since when: "07:45 Uhr" today, "02.12., 07:45 Uhr" on an earlier day."""
    clock = response_text(domain, "utter_incident_clock", language).format(time=moment.strftime("%H:%M"))
    return clock if moment.date() == today.date() else f"{moment.strftime('%d.%m.')}, {clock}"


def incident_words(incident: dict[str, Any], domain: dict[str, Any], language: str, at: datetime) -> dict[str, str]:
    """The variables of ``utter_incident_known`` from an incident as employees see it (the published text)."""
    today = at.astimezone(LOCAL)
    since = _local(incident.get("since")) or today
    next_at = _local(incident.get("next_update_at"))
    workaround = str(incident.get("workaround") or "").strip()
    return {
        "since": _clock(domain, language, since, today),
        "title": str(incident.get("title") or "").strip().rstrip(".!"),
        "status": str(incident.get("status_text") or "").strip(),
        "next": response_text(domain, "utter_incident_next", language).format(time=next_at.strftime("%H:%M"))
        if next_at is not None and next_at > today
        else "",
        "workaround": response_text(domain, "utter_incident_workaround", language).format(workaround=workaround)
        if workaround
        else "",
    }


def shown_id(tracker: Tracker) -> int | None:
    """The incident last shown in this conversation (a slot: checked against the records before use)."""
    value = str(tracker.get_slot("incident_id") or "")
    return int(value) if value.isdigit() else None


async def escalation_incident(desk: LazyDesk, tracker: Tracker) -> int | None:
    """The incident an escalation of this conversation belongs to: shown here and not called another problem."""
    incident_id = shown_id(tracker)
    if incident_id is None:
        return None
    engine = (await asyncio.to_thread(desk.get)).engine
    choice = await asyncio.to_thread(incident_chat.choice_of, engine, incident_id, tracker.sender_id)
    if choice is None or choice == "other":
        return None  # never shown here (a crafted slot links nothing), or the employee said it is another problem
    await asyncio.to_thread(incident_chat.choose, engine, incident_id, tracker.sender_id, "escalate")
    return incident_id


class IncidentReplies:
    """The incident outcome of the chat's decision and the three buttons after it."""

    def __init__(self, desk: LazyDesk, live: LiveIncidents | None = None) -> None:
        """``live`` follows the active incidents (one per process; tests pass their own)."""
        self.desk = desk
        self.live = live or LiveIncidents(desk)

    async def match(
        self, tracker: Tracker, text: str, hits: Sequence[SearchHit], embedder: Embedder
    ) -> IncidentHit | None:
        """The active incident this message is about, leaving out those the conversation called another problem."""
        try:
            engine = (await asyncio.to_thread(self.desk.get)).engine
            skip = await asyncio.to_thread(incident_chat.declined, engine, tracker.sender_id)
        except Exception:  # noqa: BLE001 - without the records the chat answers without incidents
            logger.exception("incident choices not readable")
            return None
        return await asyncio.to_thread(self.live.match, text, hits, embedder, skip)

    async def offer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any], hit: IncidentHit
    ) -> list[EventType]:
        """A sure match gets the incident; a likely one the question "Geht es um die bekannte Störung …?" first."""
        if hit.sure:
            return await self.show(dispatcher, tracker, domain, hit)
        title = str(hit.incident.get("title") or "").strip().rstrip(".!")
        dispatcher.utter_message(
            response="utter_incident_ask", title=title, json_message={"type": "incident_ask", "incident_id": hit.id}
        )
        return [SlotSet("incident_id", str(hit.id)), SlotSet("kb_stage", STAGE_INCIDENT_ASK)]

    async def confirm(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Confirmed ("Ja, genau das"): the incident asked about, if it is still active."""
        incident_id = shown_id(tracker)
        engine = (await asyncio.to_thread(self.desk.get)).engine
        active = {int(i["id"]): i for i in await asyncio.to_thread(incidents.active, engine)}
        if incident_id is None or incident_id not in active:
            dispatcher.utter_message(response="utter_incident_gone")
            return [SlotSet("kb_stage", None)]
        return await self.show(dispatcher, tracker, domain, IncidentHit(active[incident_id], 1.0, {}))

    async def show(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any], hit: IncidentHit
    ) -> list[EventType]:
        """The incident's text with the three buttons; the conversation is counted for the incident."""
        language = _language(tracker)
        words = incident_words(dict(hit.incident), domain, language, datetime.now(UTC))
        dispatcher.utter_message(
            response="utter_incident_known", **words, json_message={"type": "incident", "incident_id": hit.id}
        )
        try:
            engine = (await asyncio.to_thread(self.desk.get)).engine
            await asyncio.to_thread(incident_chat.record_shown, engine, hit.id, tracker.sender_id, language)
        except Exception:  # noqa: BLE001 - the counter must not cost the employee the answer
            logger.exception("incident match not counted")
        return [SlotSet("incident_id", str(hit.id)), SlotSet("kb_stage", STAGE_INCIDENT)]

    async def subscribe(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """Subscribe ("Benachrichtigen Sie mich"): stored against the incident, only where the chat showed it."""
        incident_id = shown_id(tracker)
        engine = (await asyncio.to_thread(self.desk.get)).engine
        if incident_id is None or not await asyncio.to_thread(
            incident_chat.choice_of, engine, incident_id, tracker.sender_id
        ):
            dispatcher.utter_message(response="utter_default")
            return []
        try:
            await asyncio.to_thread(incidents.subscribe, engine, incident_id, tracker.sender_id)
        except (LookupError, IncidentConflict):
            dispatcher.utter_message(response="utter_incident_gone")  # resolved since it was shown
            return [SlotSet("kb_stage", None)]
        await asyncio.to_thread(incident_chat.choose, engine, incident_id, tracker.sender_id, "subscribe")
        dispatcher.utter_message(response="utter_incident_subscribed")
        return [SlotSet("kb_stage", None)]

    async def other(self, tracker: Tracker) -> None:
        """Another problem ("Das ist ein anderes Problem", "Nein, etwas anderes"): not offered here again."""
        incident_id = shown_id(tracker)
        if incident_id is not None:
            engine = (await asyncio.to_thread(self.desk.get)).engine
            await asyncio.to_thread(incident_chat.decline, engine, incident_id, tracker.sender_id, _language(tracker))
