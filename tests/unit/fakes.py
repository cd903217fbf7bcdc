"""Stand-ins shared by the unit tests."""

from __future__ import annotations

import math

from knowledge.decision import KINDS, DecisionParams, Logistic


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
