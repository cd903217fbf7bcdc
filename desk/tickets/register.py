"""The local ticket register shared by all sinks: one row per ticket, whatever system holds it."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from sqlalchemy import Connection, Engine, insert, select, update

from desk.db import aware, now, tickets
from desk.tickets.base import TicketDraft, TicketStatus


def add(
    conn: Connection,
    *,
    sink: str,
    draft: TicketDraft,
    status: str,
    number: str | None = None,
    external_id: str | None = None,
    title: str | None = None,
    body: str | None = None,
) -> int:
    """Insert a register row in the caller's transaction; without ``number`` a placeholder until numbered."""
    ts = now()
    return int(
        conn.execute(
            insert(tickets)
            .values(
                number=number or f"pending-{uuid4().hex}",
                sink=sink,
                external_id=external_id,
                title=(title or draft.title)[:200],
                body=body if body is not None else draft.body(),
                status=status,
                customer=draft.customer,
                escalation_id=draft.escalation_id,
                request_kind=draft.request_kind or None,
                fields=draft.field_values() or None,
                created_at=ts,
                updated_at=ts,
            )
            .returning(tickets.c.id)
        ).scalar_one()
    )


def number_from_id(conn: Connection, row_id: int, prefix: str) -> str:
    """Give a row its number ``<prefix>-<year>-<id>`` (unique across instances, since the id is)."""
    number = f"{prefix}-{now().year}-{row_id:06d}"
    conn.execute(update(tickets).where(tickets.c.id == row_id).values(number=number, external_id=str(row_id)))
    return number


def find(engine: Engine, sink: str, number: str) -> Any:
    """The register row of ``number`` for this sink, or ``None``."""
    with engine.connect() as conn:
        return conn.execute(select(tickets).where(tickets.c.number == number.strip(), tickets.c.sink == sink)).first()


def status_of(row: Any, state: str | None = None, title: str | None = None) -> TicketStatus:
    """A status from a register row (``state`` / ``title`` when the ticket system knows better)."""
    return TicketStatus(
        number=row.number, state=state or row.status, title=title or row.title, updated_at=aware(row.updated_at)
    )
