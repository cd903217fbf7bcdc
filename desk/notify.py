"""Change signals on PostgreSQL: ``NOTIFY`` inside the writing transaction, delivered to listeners at commit.

The web service's live waiters (web/live.py) listen on :data:`CHANNEL` instead of polling the tables: a message
names its conversation (``m:<conversation id>``, the random Rasa sender id, no content), a change counter its
name (``c:escalations``). PostgreSQL delivers a notification only if the transaction commits, in commit order,
and folds identical ones of one transaction into one. On SQLite nothing is sent: the processes poll.
"""

from __future__ import annotations

import logging
import time
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, text

logger = logging.getLogger(__name__)
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


class CounterWaiter:
    """A thread's blocking wait for one change counter's signal (PostgreSQL), e.g. the knowledge follower's.

    Holds its own LISTEN connection (psycopg, autocommit), opened on the first wait and again after it broke.
    """

    def __init__(self, engine: Engine, name: str) -> None:
        """Wait for the counter ``name`` of ``engine``'s database."""
        self._conninfo = conninfo(engine)
        self.name = name
        self._conn: Any = None

    def wait(self, timeout: float) -> bool:
        """Block until the counter is signalled (``True``) or ``timeout`` passed (``False``).

        Also ``True`` right after (re)connecting: a signal may have been missed while there was no connection.
        """
        import psycopg  # noqa: PLC0415 - only PostgreSQL installations listen

        try:
            if self._conn is None:
                self._conn = psycopg.connect(self._conninfo, autocommit=True)
                self._conn.execute(f"LISTEN {CHANNEL}")
                return True
            deadline = time.monotonic() + timeout
            while (left := deadline - time.monotonic()) > 0:
                for message in self._conn.notifies(timeout=left, stop_after=1):
                    if parse(message.payload) == Signal(COUNTER, self.name):
                        return True
            return False
        except psycopg.Error as exc:
            logger.warning("counter %s: listening failed (%s); connecting again", self.name, type(exc).__name__)
            self.close()
            time.sleep(min(timeout, 5.0))
            return True

    def close(self) -> None:
        """Close the connection (the next :meth:`wait` opens a new one)."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.close()
