"""Every test here runs on the session's PostgreSQL, whatever ``SERVICEDESK_TEST_PG`` says."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from desk.db import open_db
from settings import Settings


@pytest.fixture
def migrated_url(pg_records_url: str) -> str:
    return pg_records_url


@pytest.fixture
def desk_settings(desk_settings: Settings, migrated_url: str) -> Settings:
    """The shared fixture's settings, on PostgreSQL."""
    records = desk_settings.records.model_copy(update={"database_url": migrated_url})
    return desk_settings.model_copy(update={"records": records})


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    eng = open_db(migrated_url)
    yield eng
    eng.dispose()
