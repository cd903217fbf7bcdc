"""Fixtures of the records tests: SQLite, or PostgreSQL with ``SERVICEDESK_TEST_PG=1`` (``make test-pg``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from desk.db import open_db
from tests.ldap_server import Slapd


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    eng = open_db(migrated_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slapd]:
    """A seeded OpenLDAP with ppolicy for the module's tests (tests/ldap_server.py; starts in about 0.1 s)."""
    server = Slapd(tmp_path_factory.mktemp("slapd")).start()
    yield server
    server.stop()
