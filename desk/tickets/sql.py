"""The built-in ticket store: tickets in the records database, listed in the agent console."""

from __future__ import annotations

from sqlalchemy import Engine, insert, select, update

from desk.db import aware, new_id, now, tickets
from desk.tickets.base import TicketDraft, TicketRef, TicketStatus


class SqlTicketSink:
    """Tickets numbered ``SD-<year>-<id>`` in the ``tickets`` table."""

    name = "sql"

    def __init__(self, engine: Engine) -> None:
        """Works on the shared records database."""
        self.engine = engine

    def create(self, draft: TicketDraft) -> TicketRef:
        """Insert, then number the row from its id (unique across instances)."""
        ts = now()
        with self.engine.begin() as conn:
            tid = new_id(
                conn.execute(
                    insert(tickets).values(
                        number=f"pending-{ts.timestamp()}-{id(draft)}",
                        sink=self.name,
                        title=draft.title[:200],
                        body=draft.body(),
                        status="open",
                        customer=draft.customer,
                        escalation_id=draft.escalation_id,
                        created_at=ts,
                        updated_at=ts,
                    )
                )
            )
            number = f"SD-{ts.year}-{tid:06d}"
            conn.execute(update(tickets).where(tickets.c.id == tid).values(number=number, external_id=str(tid)))
        return TicketRef(number=number, sink=self.name, external_id=str(tid))

    def status(self, number: str) -> TicketStatus | None:
        """Read the row."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(tickets).where(tickets.c.number == number.strip(), tickets.c.sink == self.name)
            ).first()
        if row is None:
            return None
        return TicketStatus(number=row.number, state=row.status, title=row.title, updated_at=aware(row.updated_at))

    def set_state(self, number: str, state: str) -> None:
        """Agents move built-in tickets along (open → in_progress → closed)."""
        with self.engine.begin() as conn:
            conn.execute(update(tickets).where(tickets.c.number == number).values(status=state, updated_at=now()))
