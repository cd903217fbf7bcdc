"""The action server runs each action with the web service's request id, which Rasa hands on in the metadata."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.server import GuardedExecutor, request_id_of
from desk.runtime import LazyDesk
from ops import logs


class Seeing(Action):
    """Records the request id current while it runs."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def name(self) -> str:
        return "action_seeing"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        self.seen.append(logs.current_request_id())
        return []


def call(metadata: object) -> dict[str, Any]:
    latest = {"text": "VPN", "intent": {"name": "it_request"}, "metadata": metadata}
    tracker = {"sender_id": "c-1", "slots": {}, "latest_message": latest, "events": [], "paused": False}
    return {"next_action": "action_seeing", "sender_id": "c-1", "tracker": tracker, "domain": {}}


@pytest.mark.parametrize(
    "metadata, seen",
    [
        ({"request_id": "turn-0001-abcdef"}, "turn-0001-abcdef"),
        ({"request_id": "not an id"}, ""),
        ({}, ""),
        (None, ""),
        ("text", ""),
    ],
)
async def test_actions_run_with_the_turns_request_id(desk, metadata, seen) -> None:  # noqa: ANN001
    executor = GuardedExecutor(LazyDesk.ready(desk))
    action = Seeing()
    executor.register_action(action)
    assert await executor.run(call(metadata)) is not None
    assert action.seen == [seen] and logs.current_request_id() == ""


def test_request_id_of_reads_only_the_latest_messages_metadata() -> None:
    assert request_id_of(call({"request_id": "turn-0001-abcdef"})) == "turn-0001-abcdef"
    assert request_id_of({"tracker": "broken"}) is None and request_id_of({}) is None
