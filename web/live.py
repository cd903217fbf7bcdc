"""Wake long-polling clients when the records change, in every instance.

On PostgreSQL one task per process listens (``LISTEN``, psycopg's async connection) for the signals every
writer sends at commit (desk/notify.py): a message names its conversation, the escalation counter wakes everyone.
After (re)connecting the listener wakes every waiter once, since a signal may have been missed meanwhile.

On SQLite one task per process polls the shared database: the messages after the last id it saw (their ids and
conversations) and the escalation and incident change counters. Clients of any instance see a change within one
poll interval, whoever wrote it.

Either way a chat client waits on its own conversation and is woken by its messages and by escalation changes
only, not by every message anywhere; the consoles wait on any change; the widget's incident banner waits on the
incidents counter (publish, status update, resolution).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Iterable

from sqlalchemy import Engine, select

from desk import notify
from desk.conversations import conversations_with_messages_after, latest_message_id
from desk.db import counters
from desk.runtime import LazyDesk

logger = logging.getLogger(__name__)
RECONNECT_S = (0.1, 5.0)  # the listener's first and longest wait before connecting again


def _counters(engine: Engine) -> tuple[int, int]:
    """The escalation and incident change counters, in one read."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(counters.c.name, counters.c.value).where(counters.c.name.in_(("escalations", "incidents")))
        ).all()
    found: dict[str, int] = {str(name): int(value) for name, value in rows}
    return found.get("escalations", 0), found.get("incidents", 0)


class Notifier:
    """``mark = notifier.mark(conversation); <read>; await notifier.changed(timeout, mark)``.

    ``mark()`` without a conversation is woken by any change (the consoles).
    """

    def __init__(self, desk: LazyDesk, interval: float = 0.1) -> None:
        """Poll every ``interval`` seconds on SQLite (the records open when polling starts)."""
        self.desk = desk
        self.interval = interval
        self.message_id = 0
        self.revision = 0
        self.incidents = 0  # the incidents counter as last seen (polling)
        self.listens = False  # started on PostgreSQL: signalled, not polling
        self.listening = False  # a LISTEN connection is up (PostgreSQL)
        self._connected = asyncio.Event()  # set once the first LISTEN connection is up
        self._event = asyncio.Event()
        self._incidents_event = asyncio.Event()
        # One event per conversation somebody waits on; it goes when its last waiter lets go of it.
        self._conversations: weakref.WeakValueDictionary[str, asyncio.Event] = weakref.WeakValueDictionary()
        self._task: asyncio.Task | None = None

    def _read(self) -> tuple[int, set[str], int, int]:
        engine = self.desk.get().engine
        message_id, changed = conversations_with_messages_after(engine, self.message_id)
        return message_id, changed, *_counters(engine)

    def _wake(self, conversations: Iterable[str] | None) -> None:
        """Wake the consoles and the waiters of ``conversations`` (``None``: every conversation's)."""
        event, self._event = self._event, asyncio.Event()
        event.set()
        for conversation in list(self._conversations) if conversations is None else conversations:
            waiting = self._conversations.pop(conversation, None)
            if waiting is not None:
                waiting.set()

    def _wake_incidents(self) -> None:
        """Wake the incident banners' waiters."""
        woke, self._incidents_event = self._incidents_event, asyncio.Event()
        woke.set()

    async def poll(self) -> None:
        """One look at the database; wakes the waiters of what changed."""
        message_id, changed, revision, incidents = await asyncio.to_thread(self._read)
        if incidents != self.incidents:
            self.incidents = incidents
            self._wake_incidents()
        escalations_moved = revision != self.revision
        if message_id == self.message_id and not escalations_moved:
            return
        self.message_id, self.revision = message_id, revision
        self._wake(None if escalations_moved else changed)

    def signal(self, payload: str) -> None:
        """One notification from PostgreSQL (desk/notify.py)."""
        found = notify.parse(payload)
        if found is None:
            return
        if found.kind == notify.MESSAGE:
            self._wake((found.name,))
        elif found.name == "escalations":
            self._wake(None)
        elif found.name == "incidents":
            self._wake_incidents()

    async def _run(self) -> None:
        while True:
            try:
                await self.poll()
            except Exception:  # noqa: BLE001 - a database hiccup must not end live updates
                logger.exception("change poll failed")
            await asyncio.sleep(self.interval)

    async def _listen(self) -> None:
        import psycopg  # noqa: PLC0415 - only PostgreSQL installations listen

        conninfo = notify.conninfo(self.desk.get().engine)
        delay = RECONNECT_S[0]
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {notify.CHANNEL}")
                    self.listening, delay = True, RECONNECT_S[0]
                    self._connected.set()
                    self._wake(None)  # whatever happened while nobody listened
                    self._wake_incidents()
                    async for message in conn.notifies():
                        self.signal(message.payload)
            except psycopg.Error as exc:  # the database went away: wait, connect again
                logger.warning("change listener: %s; connecting again in %.1f s", type(exc).__name__, delay)
            self.listening = False
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_S[1])

    def prime(self) -> None:
        """Read the current numbers (blocking: call it off the event loop, before :meth:`start`)."""
        engine = self.desk.get().engine
        self.message_id = latest_message_id(engine)
        self.revision, self.incidents = _counters(engine)

    def start(self) -> None:
        """Begin listening (PostgreSQL) or polling (SQLite), inside the running loop."""
        self._event = asyncio.Event()  # bound to this server cycle's loop
        self._incidents_event = asyncio.Event()
        self._conversations = weakref.WeakValueDictionary()
        self._connected = asyncio.Event()
        self.listens = notify.listens(self.desk.get().engine)
        self._task = asyncio.get_running_loop().create_task(self._listen() if self.listens else self._run())

    async def stop(self) -> None:
        """End listening or polling."""
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.listening = False

    async def connected(self, timeout: float) -> bool:
        """Wait until the first LISTEN connection is up (PostgreSQL; at once on SQLite); ``False`` on timeout."""
        if not self.listens:
            return True
        try:
            await asyncio.wait_for(self._connected.wait(), timeout)
            return True
        except TimeoutError:
            return False

    def health(self) -> tuple[bool, str] | None:
        """``/health``'s line for live updates on PostgreSQL (``None`` on SQLite: polling needs nothing more)."""
        if not self.listens:
            return None
        return (True, "listening") if self.listening else (False, "not listening: connecting to the database")

    def mark(self, conversation: str | None = None) -> asyncio.Event:
        """Take before reading the database; :meth:`changed` then also sees changes made while reading.

        With a conversation: woken by that conversation's messages and by escalation changes only.
        """
        if conversation is None:
            return self._event
        event = self._conversations.get(conversation)
        if event is None:
            event = asyncio.Event()
            self._conversations[conversation] = event
        return event

    def incidents_mark(self) -> asyncio.Event:
        """Take before reading the incidents: set by the next change of what employees see of them."""
        return self._incidents_event

    async def changed(self, timeout: float, since: asyncio.Event | None = None) -> bool:
        """Wait for a change after ``since`` (a :meth:`mark`); ``False`` on timeout."""
        try:
            await asyncio.wait_for((since or self._event).wait(), timeout)
            return True
        except TimeoutError:
            return False
