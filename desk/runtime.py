"""One process's handles on the records: database engine, secret, ticket sink and the handoff settings."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from desk.db import open_db, private_dir
from desk.identity import load_secret
from desk.tickets.base import TicketSink
from desk.tickets.factory import make_sink
from settings import Handoff, Records, Settings, Tickets
from settings.hours import ServiceHours


@dataclass(frozen=True)
class Desk:
    """Everything a handler needs to read and write service-desk records."""

    engine: Engine
    secret: bytes
    sink: TicketSink
    handoff: Handoff

    @property
    def hours(self) -> ServiceHours:
        """When agents are online (parsed when the settings were loaded)."""
        return self.handoff.hours

    @classmethod
    def open(cls, records: Records, tickets: Tickets, handoff: Handoff, timeout_s: float = 10.0) -> Desk:
        """Connect (creating the schema when missing) and read the secret."""
        private_dir(records.var_dir)  # records, the installation secret and logs: nobody else's business
        engine = open_db(records.db_url, records.database_pool_size)
        return cls(engine, load_secret(records), make_sink(tickets, engine, timeout_s), handoff)


class LazyDesk:
    """Opens the records on first use (importing an action module must not open a database)."""

    def __init__(self, opener: Callable[[], Desk]) -> None:
        """``opener`` connects; it runs once, on the first :meth:`get`."""
        self._opener = opener
        self._desk: Desk | None = None
        self._lock = threading.Lock()

    @classmethod
    def of(cls, settings: Settings) -> LazyDesk:
        """The records of an installation (only the parts they need are kept)."""
        records, tickets, handoff = settings.records, settings.tickets, settings.handoff
        timeout = settings.servers.upstream_timeout_s
        return cls(lambda: Desk.open(records, tickets, handoff, timeout))

    @classmethod
    def ready(cls, desk: Desk) -> LazyDesk:
        """Records opened already (tests, scripts)."""
        lazy = cls(lambda: desk)
        lazy._desk = desk
        return lazy

    def get(self) -> Desk:
        """The opened records."""
        with self._lock:
            if self._desk is None:
                self._desk = self._opener()
            return self._desk
