"""A regression guard on the frozen test half of the chat set, through Rasa's REST webhook.

The frozen half is measured, never used to choose anything (README, "Chat quality"): these floors sit
well below the figures `make eval-chat` reports, so they catch a broken decision or pipeline, not noise.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from knowledge import chatset
from knowledge.chat_grading import grade, load_templates, share, summary
from scripts.eval_chat import RestPath, run_all

pytestmark = pytest.mark.integration

FLOORS = {"answer_right": 0.65, "reachable": 0.90, "small_talk": 0.88}
CEILINGS = {"answer_wrong": 0.05, "refused_off_topic": 0.02, "answered": 0.05}


@pytest.fixture(scope="module")
def figures(stack) -> dict:
    lines = chatset.load("test")

    async def go() -> list:
        async with httpx.AsyncClient(timeout=60) as client:
            return await run_all(RestPath(client, stack.settings.servers.rasa_url), lines, load_templates())

    observed = asyncio.run(go())
    return summary((line, grade(line, got)) for line, got in zip(lines, observed, strict=True))


def test_in_scope_questions_get_their_article(figures: dict) -> None:
    cell = figures["in_scope"]["all"]
    assert share(cell, ["answer_right"])[2] >= FLOORS["answer_right"]
    assert share(cell, ["answer_right", "clarify_right"])[2] >= FLOORS["reachable"]
    assert share(cell, ["answer_wrong"])[2] <= CEILINGS["answer_wrong"]
    assert share(cell, ["refused_off_topic"])[2] <= CEILINGS["refused_off_topic"]


def test_unanswerable_and_off_topic_get_no_article(figures: dict) -> None:
    assert share(figures["unanswerable"]["all"], ["answered"])[2] <= CEILINGS["answered"]


def test_small_talk_is_understood(figures: dict) -> None:
    assert share(figures["smalltalk"]["all"], ["right"])[2] >= FLOORS["small_talk"]
