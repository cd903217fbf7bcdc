"""The web tests' app: the real records and articles, Rasa replaced by the module's own ``rasa`` stand-in."""

from __future__ import annotations

import pytest
from sanic import Sanic

from knowledge.source import StaticKnowledgeSource
from tests.conftest import desk_web_app


@pytest.fixture
def app(desk, desk_settings, hashing_kb, rasa) -> Sanic:  # noqa: ANN001 - fixtures
    """A module defines ``rasa`` (an httpx handler answering as Rasa); the sweeper stays out of the way."""
    return desk_web_app(desk, desk_settings, StaticKnowledgeSource(hashing_kb), rasa, sweep_interval_s=3600)
