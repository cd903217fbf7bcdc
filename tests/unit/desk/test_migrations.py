"""The records schema comes from Alembic migrations: a fresh database built by them is what the code expects."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, MetaData, String, Table, create_engine, inspect, select, text

from desk import migrate
from desk.db import COUNTER_NAMES, counters, metadata, open_db
from settings import ROOT


def differences(url: str) -> list:
    with create_engine(url).connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)


def test_a_database_built_by_the_migrations_is_the_schema_the_code_expects(records_url: str) -> None:
    url = records_url
    engine = open_db(url)
    assert differences(url) == []
    with engine.connect() as conn:
        assert migrate.current(conn) == migrate.head()
        assert dict(conn.execute(select(counters.c.name, counters.c.value)).all()) == dict.fromkeys(COUNTER_NAMES, 0)
    open_db(url)  # a second start changes nothing
    assert differences(url) == []


def test_a_process_waits_while_another_migrates(records_url: str) -> None:
    """The servers start together on a fresh database (make run, the tests): while one migrates, another waits for
    it instead of taking the half-made database (SQLite commits each CREATE TABLE at once) for an old one."""
    url = records_url
    engine = create_engine(url)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with migrate.migration_lock(engine):
        other = subprocess.Popen(
            [sys.executable, "-c", "import sys; from desk.db import open_db; open_db(sys.argv[1])", url], env=env
        )
        time.sleep(3)  # its imports take about a second; then it must wait for the lock
        assert other.poll() is None
        with engine.connect() as conn:
            assert migrate.current(conn) is None
    assert other.wait(timeout=120) == 0
    assert differences(url) == []
    with engine.connect() as conn:
        assert migrate.current(conn) == migrate.head()
        assert dict(conn.execute(select(counters.c.name, counters.c.value)).all()) == dict.fromkeys(COUNTER_NAMES, 0)


def baseline_tables(tmp_path) -> list[Table]:
    """The tables the baseline migration creates (later migrations add tables no old database can have)."""
    scratch = create_engine(f"sqlite:///{tmp_path / 'baseline.db'}")
    with scratch.begin() as conn:
        cfg = migrate.config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, migrate.BASELINE)
    names = set(inspect(scratch).get_table_names())
    return [t for t in metadata.sorted_tables if t.name in names]


def test_a_database_from_before_migrations_is_adopted_in_place(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    # As an older version created it (no alembic_version), one column still missing.
    metadata.create_all(engine, tables=baseline_tables(tmp_path))
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE escalations DROP COLUMN bot_wake"))
        conn.execute(text("INSERT INTO counters (name, value) VALUES ('escalations', 7), ('knowledge', 3)"))
        conn.execute(
            text(
                "INSERT INTO tickets (number, sink, title, body, status, customer, created_at, updated_at) "
                "VALUES ('SD-1', 'sql', 't', 'b', 'open', 'c', '2026-01-01', '2026-01-01')"
            )
        )
    open_db(url)
    assert "bot_wake" in {c["name"] for c in inspect(engine).get_columns("escalations")}
    assert differences(url) == []
    with engine.connect() as conn:
        assert migrate.current(conn) == migrate.head()
        assert conn.execute(text("SELECT number FROM tickets")).scalar() == "SD-1"  # nothing lost
        assert conn.execute(text("SELECT value FROM counters WHERE name = 'escalations'")).scalar() == 7


def test_the_migrations_render_for_postgresql_too() -> None:
    out = io.StringIO()
    cfg = migrate.config(output_buffer=out)
    cfg.set_main_option("sqlalchemy.url", "postgresql://servicedesk@db.stadt.example/servicedesk")
    command.upgrade(cfg, "head", sql=True)
    sql = out.getvalue()
    assert sql.count("CREATE TABLE") == len(metadata.tables) + 1  # and alembic_version
    assert "SERIAL" in sql and "TIMESTAMP WITH TIME ZONE" in sql and "BYTEA" in sql
    assert "AUTOINCREMENT" not in sql.upper().replace("AUTOINCREMENT=", "")  # nothing SQLite-only


def test_downgrade_to_nothing_and_up_again(records_url: str) -> None:
    url = records_url
    engine = open_db(url)
    with engine.begin() as conn:
        cfg = migrate.config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    open_db(url)
    assert differences(url) == []


def test_a_table_the_code_does_not_know_is_a_difference(records_url: str) -> None:
    """The comparison can fail: a schema that differs from the code is reported."""
    url = records_url
    engine = open_db(url)
    Table("stray", MetaData(), Column("id", String(8), primary_key=True)).create(engine)
    assert [d[0] for d in differences(url)] == ["remove_table"]


def insert_message(conn, conversation: str) -> int:
    return conn.execute(
        text(
            "INSERT INTO messages (conversation_id, role, text, data, created_at) "
            "VALUES (:c, 'user', 't', '{}', '2026-01-01')"
        ),
        {"c": conversation},
    ).lastrowid


def test_an_id_is_never_given_twice_after_the_newest_rows_were_deleted(tmp_path) -> None:
    """A purge or an erase may remove the newest messages; the next message must still get a higher id (the
    change pollers and the widgets resume from the highest id they saw). Also for a database made before."""
    url = f"sqlite:///{tmp_path / 'ids.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        cfg = migrate.config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "d14_privacy_audit")
        ids = [insert_message(conn, "old") for _ in range(3)]
    engine.dispose()
    open_db(url)  # upgrades the existing database in place
    assert differences(url) == []
    with engine.begin() as conn:
        assert conn.execute(text("SELECT id FROM messages ORDER BY id")).scalars().all() == ids  # nothing lost
        conn.execute(text("DELETE FROM messages"))
        assert insert_message(conn, "new") == ids[-1] + 1
        conn.execute(text("DELETE FROM messages WHERE conversation_id = 'new'"))
        assert insert_message(conn, "newer") == ids[-1] + 2
        assert "AUTOINCREMENT" in conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'tickets'")).scalar()
