"""Shared fixtures: real articles, a cheap embedder for unit tests."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sanic import Sanic

from knowledge.articles import Article, load_articles
from knowledge.embedder import Embedder, HashingEmbedder
from knowledge.index_files import open_knowledge_base
from knowledge.search import KnowledgeBase, Thresholds
from knowledge.source import KnowledgeSource
from knowledge.vector_index import FaissIndex
from settings import ROOT, Settings
from tests.pg import ENABLED as PG_ENABLED
from tests.pg import pg_records_url, pg_server, pg_template, pg_url  # noqa: F401 - fixtures
from web.rasa import Upstream

ARTICLES_DIR = ROOT / "knowledge" / "articles"
# Tests that only make sense on PostgreSQL are collected by `make test-pg` (SERVICEDESK_TEST_PG=1) only; the
# cluster's (nginx, Redis, two of each process) by `make test-cluster` (SERVICEDESK_TEST_CLUSTER=1) only.
CLUSTER_ENABLED = os.environ.get("SERVICEDESK_TEST_CLUSTER", "") not in ("", "0")
collect_ignore = ([] if PG_ENABLED else ["postgres"]) + ([] if CLUSTER_ENABLED else ["cluster"])


def fake_upstream(handler: Callable[[httpx.Request], httpx.Response]) -> Upstream:
    """Rasa and the action server as one stand-in transport (the app's HTTP never leaves the process)."""
    return Upstream(transport=httpx.MockTransport(handler))


_apps = itertools.count()


def web_app(settings: Settings, knowledge: KnowledgeSource | None = None, **options: Any) -> Sanic:
    """The web app for one test: a name of its own (Sanic keeps a registry), no model warm-up."""
    from web.app import create_app  # noqa: PLC0415 - the app's imports are the web tests' business

    return create_app(settings, knowledge, name=f"test{next(_apps)}", warm_up=False, **options)


def desk_web_app(desk: Any, settings: Settings, knowledge: KnowledgeSource, rasa: Any, **options: Any) -> Sanic:
    """The web app over the test's records (``desk``), with ``rasa`` (an httpx handler) answering as Rasa."""
    from desk.runtime import LazyDesk  # noqa: PLC0415

    return web_app(settings, knowledge, desk=LazyDesk.ready(desk), upstream=fake_upstream(rasa), **options)


def plain_settings() -> Settings:
    """The defaults, whatever the environment or a ``.env`` file say."""
    return Settings.load(env={}, dotenv=Path(os.devnull))


STAND_IN = Thresholds(answer=0.5, margin=0.0, clarify=0.3)  # what the trigram embedder's scores allow


def stand_in_kb(embedder: Embedder | None = None) -> KnowledgeBase:
    """An empty knowledge base behind the deterministic trigram embedder (no model needed)."""
    emb = embedder or HashingEmbedder()
    return KnowledgeBase(emb, FaissIndex(emb.dimension), STAND_IN)


@pytest.fixture(scope="session")
def articles() -> list[Article]:
    return load_articles(ARTICLES_DIR)


@pytest.fixture
def hashing_kb(articles: list[Article]) -> KnowledgeBase:
    """All real articles behind a deterministic trigram embedder (no model needed)."""
    kb, _ = open_knowledge_base(HashingEmbedder(), articles, STAND_IN)
    return kb


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.load(
        env={"SERVICEDESK_VAR_DIR": str(tmp_path), "SERVICEDESK_INDEX_DIR": str(tmp_path / "index")},
        dotenv=tmp_path / "no.env",
    )


@pytest.fixture
def desk_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Records in a temporary SQLite file (PostgreSQL with ``SERVICEDESK_TEST_PG=1``); agents always on duty."""
    database = {"SERVICEDESK_DATABASE_URL": request.getfixturevalue("migrated_url")} if PG_ENABLED else {}
    return Settings.load(
        env={
            **database,
            "SERVICEDESK_VAR_DIR": str(tmp_path),
            "SERVICEDESK_INDEX_DIR": str(tmp_path / "index"),
            "SERVICEDESK_SERVICE_HOURS": "always",
            "SERVICEDESK_SECRET_KEY": "unit-test-secret",
            "SERVICEDESK_ADMIN_PASSWORD": "admin-unit-password",
        },
        dotenv=tmp_path / "no.env",
    )


@pytest.fixture
def desk(desk_settings: Settings):  # noqa: ANN201 - desk.runtime.Desk
    from desk.runtime import Desk

    return Desk.open(desk_settings.records, desk_settings.tickets, desk_settings.handoff)


@pytest.fixture
def records_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty records database: a SQLite file, or with ``SERVICEDESK_TEST_PG=1`` a PostgreSQL database."""
    if PG_ENABLED:
        return str(request.getfixturevalue("pg_url"))
    return f"sqlite:///{tmp_path / 'records.db'}"


@pytest.fixture
def migrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A records database at the newest schema (SQLite, or PostgreSQL with ``SERVICEDESK_TEST_PG=1``)."""
    if PG_ENABLED:
        return str(request.getfixturevalue("pg_records_url"))
    return f"sqlite:///{tmp_path / 't.db'}"
