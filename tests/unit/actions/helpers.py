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


def hold(desk: Any, conversation_id: str) -> None:
    """Pass a conversation to the service desk: a waiting escalation (the bot must stay silent for it)."""
    from desk import escalations  # noqa: PLC0415

    escalations.create(
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
