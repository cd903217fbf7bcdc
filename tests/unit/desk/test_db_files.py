"""Issue 16's finding 5: the records database and the var folder are private to the service's user."""

from __future__ import annotations

import stat
from pathlib import Path

from sqlalchemy import text

from desk.db import open_db
from desk.runtime import Desk
from settings import Settings


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_wal_and_shm_files_are_0600(tmp_path) -> None:
    db = tmp_path / "records" / "servicedesk.db"
    engine = open_db(f"sqlite:///{db}")
    with engine.begin() as conn:  # a write: SQLite creates the WAL and shared-memory files now
        conn.execute(text("CREATE TABLE probe (x INTEGER)"))
        conn.execute(text("INSERT INTO probe VALUES (1)"))
        files = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
        assert all(f.exists() for f in files)
        assert [mode(f) for f in files] == [0o600, 0o600, 0o600]
    assert mode(db.parent) == 0o700  # created here
    engine.dispose()


def test_an_existing_world_readable_database_is_made_private(tmp_path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    db = shared / "servicedesk.db"
    open_db(f"sqlite:///{db}").dispose()
    db.chmod(0o644)
    open_db(f"sqlite:///{db}").dispose()
    assert mode(db) == 0o600
    assert mode(shared) == 0o755  # a folder that existed (it may be shared, like /tmp) is left as it is


def test_the_var_folder_is_0700(tmp_path) -> None:
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    var.chmod(0o755)
    settings = Settings.load(
        env={"SERVICEDESK_VAR_DIR": str(var), "SERVICEDESK_SECRET_KEY": "k"}, dotenv=tmp_path / "none.env"
    )
    Desk.open(settings.records, settings.tickets, settings.handoff).engine.dispose()
    assert mode(var) == 0o700 and mode(var / "servicedesk.db") == 0o600


def test_the_secret_key_file_is_0600_new_or_found_readable(tmp_path) -> None:
    from desk.identity import load_secret

    records = Settings.load(env={"SERVICEDESK_VAR_DIR": str(tmp_path)}, dotenv=tmp_path / "none.env").records
    key = load_secret(records)
    assert mode(tmp_path / "secret.key") == 0o600
    (tmp_path / "secret.key").chmod(0o644)  # as an older version or a copy left it
    assert load_secret(records) == key and mode(tmp_path / "secret.key") == 0o600
