"""``make migrate`` (``python -m desk.migrate``) on PostgreSQL, the database named by the settings."""

from __future__ import annotations

import os
import subprocess
import sys

from desk import migrate
from settings import ROOT
from tests.unit.desk.test_migrations import differences


def test_make_migrate_brings_an_empty_postgresql_database_to_the_newest_schema(pg_url: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SERVICEDESK_DATABASE_URL": pg_url}
    first, again = (
        subprocess.run([sys.executable, "-m", "desk.migrate"], env=env, capture_output=True, text=True, check=True)
        for _ in range(2)
    )
    assert f"records database: empty -> {migrate.head()} (postgresql+psycopg://servicedesk:***@" in first.stdout
    assert f"{migrate.head()} -> {migrate.head()}" in again.stdout
    assert pg_url.split(":")[2].split("@")[0] not in first.stdout + first.stderr  # the password is never printed
    assert differences(pg_url) == []
