"""Change signals on PostgreSQL: ``NOTIFY`` inside the writing transaction, delivered to listeners at commit.

The web service's live waiters (web/live.py) listen on :data:`CHANNEL` instead of polling the tables: a message
names its conversation (``m:<conversation id>``, the random Rasa sender id, no content), a change counter its
name (``c:escalations``). PostgreSQL delivers a notification only if the transaction commits, in commit order,
and folds identical ones of one transaction into one. On SQLite nothing is sent: the processes poll.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Connection, Engine, text

CHANNEL = "servicedesk_changes"
MESSAGE = "m"
COUNTER = "c"


class Signal(NamedTuple):
    """One notification: ``kind`` (:data:`MESSAGE` or :data:`COUNTER`) and what it names."""

    kind: str
    name: str


def notify(conn: Connection, kind: str, name: str) -> None:
    """Signal a change inside the caller's transaction (PostgreSQL only)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": f"{kind}:{name}"})


def parse(payload: str) -> Signal | None:
    """A received payload; ``None`` for anything not ours."""
    kind, sep, name = payload.partition(":")
    return Signal(kind, name) if sep and kind in (MESSAGE, COUNTER) and name else None


def listens(engine: Engine) -> bool:
    """Whether changes on this database are signalled (PostgreSQL) rather than polled for (SQLite)."""
    return engine.dialect.name == "postgresql"


def conninfo(engine: Engine) -> str:
    """The engine's database as a libpq URI for a listening psycopg connection (it holds the password: never log it)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
