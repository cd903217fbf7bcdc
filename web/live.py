"""Wake long-polling clients when the records change, in every instance.

One task per process polls two cheap numbers in the shared database (highest message id, escalation change
counter). Clients of any instance see a change within one poll interval, whoever wrote it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from desk.conversations import latest_message_id
from desk.escalations import change_counter
from desk.runtime import LazyDesk

logger = logging.getLogger(__name__)


class Notifier:
    """``mark = notifier.mark(); <read>; await notifier.changed(timeout, mark)``: woken by any change."""

    def __init__(self, desk: LazyDesk, interval: float = 0.1) -> None:
        """Poll every ``interval`` seconds (the records open when polling starts)."""
        self.desk = desk
        self.interval = interval
        self.message_id = 0
        self.revision = 0
        self._event = asyncio.Event()
        self._task: asyncio.Task | None = None

    def _read(self) -> tuple[int, int]:
        engine = self.desk.get().engine
        return latest_message_id(engine), change_counter(engine)

    async def _run(self) -> None:
        while True:
            try:
                message_id, revision = await asyncio.to_thread(self._read)
                if (message_id, revision) != (self.message_id, self.revision):
                    self.message_id, self.revision = message_id, revision
                    event, self._event = self._event, asyncio.Event()
                    event.set()
            except Exception:  # noqa: BLE001 - a database hiccup must not end live updates
                logger.exception("change poll failed")
            await asyncio.sleep(self.interval)

    def prime(self) -> None:
        """Read the current numbers (blocking: call it off the event loop, before :meth:`start`)."""
        self.message_id, self.revision = self._read()

    def start(self) -> None:
        """Begin polling (inside the running loop)."""
        self._event = asyncio.Event()  # bound to this server cycle's loop
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """End polling."""
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def mark(self) -> asyncio.Event:
        """Take before reading the database; :meth:`changed` then also sees changes made while reading."""
        return self._event

    async def changed(self, timeout: float, since: asyncio.Event | None = None) -> bool:
        """Wait for a change after ``since`` (a :meth:`mark`); ``False`` on timeout."""
        try:
            await asyncio.wait_for((since or self._event).wait(), timeout)
            return True
        except TimeoutError:
            return False
