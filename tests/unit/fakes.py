"""Stand-ins shared by the unit tests."""

from __future__ import annotations

import math

from knowledge.decision import KINDS, DecisionParams, Logistic
from web.rasa import Reply


def constant(p: float) -> Logistic:
    """A binary model that says ``p`` whatever the message."""
    return Logistic((), ("yes",), (), (), ((),), (math.log(p / (1 - p)),))


def fixed_decision(kind: str = "it", top1: float = 0.5, top3: float = 0.5) -> DecisionParams:
    """A decision whose models always say ``kind`` and the given probabilities.

    Thresholds: answer 0.6, clarify 0.4, a conversation intent from 0.5; every close hit may be a clarify button.
    """
    kinds = Logistic((), KINDS, (), (), tuple(() for _ in KINDS), tuple(9.0 if k == kind else 0.0 for k in KINDS))
    return DecisionParams(
        kinds, constant(top1), constant(top3), answer=0.6, clarify=0.4, intent_min=0.5, clarify_span=1.0
    )


class RecordingRasa:
    """A :class:`web.rasa.RasaClient` that answers "ok" and remembers who said what."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.triggered: list[tuple[str, str]] = []

    @property
    def senders(self) -> list[str]:
        return [conversation for conversation, _ in self.sent]

    async def send(self, conversation_id: str, text: str) -> list[Reply]:
        self.sent.append((conversation_id, text))
        return [{"text": "ok"}]

    async def trigger(self, conversation_id: str, intent: str) -> list[Reply]:
        self.triggered.append((conversation_id, intent))
        return [{"text": f"after {intent}"}]

    async def resume(self, conversation_id: str) -> None:
        return None

    async def status(self) -> tuple[bool, str]:
        return True, "model loaded"
