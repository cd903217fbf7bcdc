"""The web tests' app: the real records and articles, Rasa replaced by the module's own ``rasa`` stand-in."""

from __future__ import annotations

import pytest
from sanic import Sanic

from desk.runtime import LazyDesk
from knowledge.source import StaticKnowledgeSource
from tests.conftest import fake_upstream, web_app


@pytest.fixture
def app(desk, desk_settings, hashing_kb, rasa) -> Sanic:  # noqa: ANN001 - fixtures
    """A module defines ``rasa`` (an httpx handler answering as Rasa); the sweeper stays out of the way."""
    return web_app(
        desk_settings,
        StaticKnowledgeSource(hashing_kb),
        desk=LazyDesk.ready(desk),
        sweep_interval_s=3600,
        upstream=fake_upstream(rasa),
    )
