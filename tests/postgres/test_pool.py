"""The connection pool per process comes from ``SERVICEDESK_DATABASE_POOL_SIZE``."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from desk.runtime import Desk
from settings import Settings


def settings_with(url: str, tmp_path: Path, size: str) -> Settings:
    env = {
        "SERVICEDESK_DATABASE_URL": url,
        "SERVICEDESK_DATABASE_POOL_SIZE": size,
        "SERVICEDESK_VAR_DIR": str(tmp_path),
    }
    return Settings.load(env={**env, "SERVICEDESK_SECRET_KEY": "k"}, dotenv=tmp_path / "none.env")


def test_a_process_keeps_at_most_the_pool_size_twice(pg_records_url: str, tmp_path: Path) -> None:
    settings = settings_with(pg_records_url, tmp_path, "2")
    desk = Desk.open(settings.records, settings.tickets, settings.handoff)
    held = [desk.engine.connect() for _ in range(4)]  # the pool and its overflow
    try:
        for conn in held:
            conn.execute(text("SELECT 1"))
        assert desk.engine.pool.size() == 2 and desk.engine.pool.checkedout() == 4
        with pytest.raises(Exception, match="QueuePool limit"):
            desk.engine.pool._timeout = 0.1  # noqa: SLF001 - fail at once instead of after 30 s
            desk.engine.connect()
    finally:
        for conn in held:
            conn.close()
        desk.engine.dispose()
