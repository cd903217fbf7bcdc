"""Schema migrations of the records database (Alembic): ``make migrate``, and every process at start.

The baseline (``0001``) is the schema as it stood when migrations were introduced; every later table or column
arrives as a migration in ``desk/migrations/versions/``. A database made before migrations existed is brought
to the baseline in place (missing nullable columns added) and stamped, then upgraded like any other.

    python -m desk.migrate            # upgrade the configured database to the newest revision
    python -m desk.migrate --sql      # print the SQL instead (offline, e.g. for a PostgreSQL DBA)
"""

from __future__ import annotations

import argparse
import fcntl
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

HERE = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"
LOCK_KEY = 0x5E2D_0017  # the advisory lock of the records' migrations (PostgreSQL)


def config(**options: object) -> Config:
    """Alembic's configuration, in code (no alembic.ini); ``options`` go to the Config (e.g. ``output_buffer``)."""
    cfg = Config(**options)  # type: ignore[arg-type]
    cfg.set_main_option("script_location", str(HERE))
    return cfg


@cache
def head() -> str:
    """The newest revision."""
    found = ScriptDirectory.from_config(config()).get_current_head()  # parsed once per process
    assert found is not None
    return found


def current(conn: Connection) -> str | None:
    """The revision a database is at (``None``: never migrated)."""
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest revision (a no-op when it is there)."""
    with engine.connect() as conn:
        if current(conn) == head():
            return
    # The servers start together on a fresh database: one migrates, the others wait and then find it done. (SQLite
    # commits each CREATE TABLE at once, so without the lock a second process saw tables without a revision and
    # took the half-made database for one from before migrations.)
    with migration_lock(engine):
        with engine.connect() as conn:
            at = current(conn)
            if at == head():
                return
            if at is None and inspect(conn).has_table("conversations"):
                _adopt(conn)
        with engine.begin() as conn:
            cfg = config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """One process at a time: a file lock beside a SQLite database, an advisory lock on PostgreSQL."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database).with_name(Path(url.database).name + ".migrate-lock")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock
    elif url.get_backend_name() == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                conn.commit()
    else:
        yield


def _adopt(conn: Connection) -> None:
    """A database from before migrations: add the baseline's missing columns, then mark it as the baseline."""
    from desk.db import add_missing_columns  # noqa: PLC0415 - only for old databases

    add_missing_columns(conn.engine)
    conn.commit()
    with conn.engine.begin() as tx:
        cfg = config()
        cfg.attributes["connection"] = tx
        command.stamp(cfg, BASELINE)


def main(argv: list[str] | None = None) -> int:
    """``make migrate``."""
    from desk.db import make_engine  # noqa: PLC0415
    from settings import Records  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="python -m desk.migrate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sql", action="store_true", help="print the SQL for an empty database instead")
    args = parser.parse_args(argv)
    url = Records().db_url
    if args.sql:
        cfg = config()
        cfg.set_main_option("sqlalchemy.url", url)
        command.upgrade(cfg, "head", sql=True)
        return 0
    engine = make_engine(url)
    with engine.connect() as conn:
        before = current(conn)
    upgrade(engine)
    print(f"records database: {before or 'empty'} -> {head()} ({engine.url.render_as_string(hide_password=True)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
