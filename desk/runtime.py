"""One process's handles on the records: database engine, secret, ticket sink, service hours."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import Engine

from desk.db import open_db, private_dir
from desk.hours import ServiceHours
from desk.identity import load_secret
from desk.tickets.base import TicketSink
from desk.tickets.factory import make_sink
from knowledge.settings import Settings


@dataclass(frozen=True)
class Desk:
    """Everything a handler needs to read and write service-desk records."""

    settings: Settings
    engine: Engine
    secret: bytes
    sink: TicketSink
    hours: ServiceHours

    @classmethod
    def open(cls, settings: Settings) -> Desk:
        """Connect (creating the schema when missing) and read the secret; fails loudly on bad settings."""
        hours = ServiceHours.parse(settings.service_hours, settings.timezone)
        private_dir(settings.var_dir)  # records, the installation secret and logs: nobody else's business
        engine = open_db(settings.db_url)
        return cls(settings, engine, load_secret(settings), make_sink(settings, engine), hours)


class LazyDesk:
    """Opens the records on first use (importing an action module must not open a database)."""

    def __init__(self, settings: Settings, desk: Desk | None = None) -> None:
        """``desk`` lets tests pass one in."""
        self.settings = settings
        self._desk = desk
        self._lock = threading.Lock()

    def get(self) -> Desk:
        """The opened records."""
        with self._lock:
            if self._desk is None:
                self._desk = Desk.open(self.settings)
            return self._desk
