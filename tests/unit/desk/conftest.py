"""Fixtures of the records tests: SQLite, or PostgreSQL with ``SERVICEDESK_TEST_PG=1`` (``make test-pg``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from desk.db import open_db


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    eng = open_db(migrated_url)
    yield eng
    eng.dispose()
