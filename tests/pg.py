"""Records tests on a real PostgreSQL: ``SERVICEDESK_TEST_PG=1`` (``make test-pg``) or the ``pg`` fixtures.

One throwaway server per test session (ops/pg.py, in a fresh folder under /tmp, gone afterwards); each test gets a
database of its own, cloned from a migrated template (about 50 ms) or empty for the migration tests.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ops.pg import PgServer

ENABLED = os.environ.get("SERVICEDESK_TEST_PG", "") not in ("", "0")
TEMPLATE = "records_template"
_names = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's PostgreSQL server (started on first use)."""
    server = PgServer(Path(tempfile.mkdtemp(prefix="servicedesk-pg-")))
    server.start()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="session")
def pg_template(pg_server: PgServer) -> str:
    """A database migrated to head once, the template of every test's database."""
    from desk.db import open_db  # noqa: PLC0415

    engine = open_db(pg_server.create_database(TEMPLATE))
    engine.dispose()
    return TEMPLATE


def pg_database(server: PgServer, template: str | None = None) -> Iterator[str]:
    """A fresh database for one test (dropped afterwards); yields its URL."""
    name = f"t{os.getpid()}_{next(_names)}"
    url = server.create_database(name, template=template)
    try:
        yield url
    finally:
        server.drop_database(name)


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """An empty PostgreSQL database (not migrated)."""
    yield from pg_database(pg_server)


@pytest.fixture
def pg_records_url(pg_server: PgServer, pg_template: str) -> Iterator[str]:
    """A PostgreSQL database at the newest schema."""
    yield from pg_database(pg_server, pg_template)
