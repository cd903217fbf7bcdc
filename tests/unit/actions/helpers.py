"""What the action tests share: a tracker as Rasa would send it, running an action, the slots it set."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def make_tracker(
    text: str = "",
    intent: str = "it_request",
    *,
    sender: str = "test",
    events: list | None = None,
    entities: list | None = None,
    **slots: Any,
) -> Tracker:
    """The latest message (text, intent with its ranking, entities), German unless ``language`` says otherwise."""
    return Tracker(
        sender_id=sender,
        slots={"language": "de", **slots},
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "intent_ranking": [{"name": intent, "confidence": 0.9}],
            "entities": entities or [],
        },
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def run(action: Any, tracker: Tracker, domain: dict[str, Any] | None = None) -> tuple[CollectingDispatcher, list]:
    """Run an action as the SDK does; the dispatcher (its messages) and the events."""
    dispatcher = CollectingDispatcher()
    return dispatcher, await action.run(dispatcher, tracker, domain or {})


def slots_of(events: list) -> dict[str, Any]:
    """The slots the events set, by name."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def hold(desk: Any, conversation_id: str) -> Any:
    """Pass a conversation to the service desk: a waiting escalation (the bot must stay silent for it)."""
    from desk import escalations  # noqa: PLC0415

    return escalations.create(
        desk.engine,
        conversation_id=conversation_id,
        user_pseudonym="p",
        language="de",
        reason="user_request",
        details={},
        intents=[],
        articles=[],
        transcript=[],
    )


class Conversation:
    """A conversation replayed through the actions: the tracker grows as Rasa's would.

    Each turn adds the user event, then the bot messages (article cards keep their ``custom`` data, as
    Rasa stores a ``json_message``) and the events the action returned (slot events update the slots).
    """

    def __init__(self, sender: str = "conv-1", **slots: Any) -> None:
        """An empty German conversation unless ``slots`` say otherwise."""
        self.sender = sender
        self.slots: dict[str, Any] = {"language": "de", **slots}
        self.events: list[dict[str, Any]] = []
        self.latest: dict[str, Any] = {}

    def tracker(self) -> Tracker:
        """The tracker as Rasa sends it now (the latest user message included in the events)."""
        return Tracker(
            sender_id=self.sender,
            slots=dict(self.slots),
            latest_message=self.latest,
            events=list(self.events),
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name="action_listen",
        )

    def user(self, text: str, intent: str, **slots: Any) -> None:
        """The employee writes (or clicks: a ``/payload``); ``slots`` as the NLU sets them (e.g. language)."""
        self.slots.update(slots)
        self.latest = {
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "intent_ranking": [{"name": intent, "confidence": 0.9}],
            "entities": [],
        }
        self.events.append({"event": "user", "text": text, "parse_data": dict(self.latest), "timestamp": 1.0})
        self.events += [{"event": "slot", "name": k, "value": v} for k, v in slots.items()]

    async def act(self, action: Any, domain: dict[str, Any] | None = None) -> tuple[CollectingDispatcher, list]:
        """Run ``action`` on the current tracker and keep what it said and set."""
        dispatcher, events = await run(action, self.tracker(), domain)
        for m in dispatcher.messages:
            data = {"custom": m["custom"]} if m.get("custom") else {}
            self.events.append({"event": "bot", "text": m.get("text") or m.get("response"), "data": data})
        for e in events:
            self.events.append(e)
            if e.get("event") == "slot":
                self.slots[e["name"]] = e["value"]
        return dispatcher, events
