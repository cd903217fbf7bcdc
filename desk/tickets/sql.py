"""The built-in ticket store: tickets in the records database, listed in the agent console."""

from __future__ import annotations

from sqlalchemy import Engine, update

from desk.db import now, tickets
from desk.tickets import register
from desk.tickets.base import TicketDraft, TicketRef, TicketStatus


class SqlTicketSink:
    """Tickets numbered ``SD-<year>-<id>`` in the ``tickets`` table."""

    name = "sql"

    def __init__(self, engine: Engine) -> None:
        """Works on the shared records database."""
        self.engine = engine

    def create(self, draft: TicketDraft) -> TicketRef:
        """Insert, then number the row from its id (unique across instances)."""
        with self.engine.begin() as conn:
            tid = register.add(conn, sink=self.name, draft=draft, status="open")
            number = register.number_from_id(conn, tid, "SD")
        return TicketRef(number=number, sink=self.name, external_id=str(tid))

    def status(self, number: str) -> TicketStatus | None:
        """Read the row."""
        row = register.find(self.engine, self.name, number)
        return register.status_of(row) if row is not None else None

    def set_state(self, number: str, state: str) -> None:
        """Agents move built-in tickets along (open → in_progress → closed)."""
        with self.engine.begin() as conn:
            conn.execute(update(tickets).where(tickets.c.number == number).values(status=state, updated_at=now()))
