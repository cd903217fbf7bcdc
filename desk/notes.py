"""Internal notes on an escalation: what agents tell each other about a case, never shown to the employee.

Notes live in their own table, not among the messages: the chat history and events, the ticket's chat copy and
Rasa only ever read ``messages``, so a note cannot leak there by a missing filter. A note belongs to its escalation:
the retention purge and a data-subject erase delete it with the escalation, and the export lists it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select

from desk.accounts import Account
from desk.db import aware, bump, escalation_notes, escalations, new_id, now

MAX_NOTES = 200  # per escalation
BATCH = 500


@dataclass(frozen=True)
class Note:
    """One note."""

    id: int
    escalation_id: int
    author_name: str
    text: str
    created_at: datetime

    def as_json(self) -> dict[str, Any]:
        """As the console shows it."""
        return {
            "id": self.id,
            "author_name": self.author_name,
            "text": self.text,
            "created_at": self.created_at.isoformat(),
        }


def _record(row: Any) -> Note:
    return Note(
        id=row.id,
        escalation_id=row.escalation_id,
        author_name=row.author_name,
        text=row.text,
        created_at=aware(row.created_at),  # type: ignore[arg-type]
    )


class TooManyNotes(RuntimeError):
    """The escalation already has :data:`MAX_NOTES` notes."""


def add(engine: Engine, escalation_id: int, *, account: Account, text: str) -> Note:
    """Add a note (any agent, whatever the status); ``LookupError`` when the escalation does not exist.

    The escalation counter moves, so colleagues' consoles showing the escalation load the note.
    """
    with engine.begin() as conn:
        if conn.execute(select(escalations.c.id).where(escalations.c.id == escalation_id)).first() is None:
            raise LookupError(escalation_id)
        if len(in_conn(conn, escalation_id)) >= MAX_NOTES:
            raise TooManyNotes(escalation_id)
        nid = new_id(
            conn.execute(
                insert(escalation_notes).values(
                    escalation_id=escalation_id,
                    author_id=account.id,
                    author_name=account.display_name or account.username,
                    text=text,
                    created_at=now(),
                )
            )
        )
        bump(conn, "escalations")
        row = conn.execute(select(escalation_notes).where(escalation_notes.c.id == nid)).one()
    return _record(row)


def in_conn(conn: Connection, escalation_id: int) -> list[Note]:
    """The escalation's notes, oldest first, inside the caller's transaction."""
    rows = conn.execute(
        select(escalation_notes)
        .where(escalation_notes.c.escalation_id == escalation_id)
        .order_by(escalation_notes.c.id)
    ).all()
    return [_record(r) for r in rows]


def for_escalation(engine: Engine, escalation_id: int) -> list[Note]:
    """The escalation's notes, oldest first."""
    with engine.connect() as conn:
        return in_conn(conn, escalation_id)


def rows_for(conn: Connection, escalation_ids: Iterable[int]) -> list[dict[str, Any]]:
    """The notes of these escalations as plain rows (the data-subject export)."""
    ids, found = list(escalation_ids), []
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        rows = conn.execute(
            select(escalation_notes).where(escalation_notes.c.escalation_id.in_(chunk)).order_by(escalation_notes.c.id)
        ).all()
        found += [{**_record(r).as_json(), "escalation_id": r.escalation_id} for r in rows]
    return found


def delete_for(conn: Connection, escalation_ids: Iterable[int]) -> int:
    """Delete the notes of these escalations inside the caller's transaction; how many went."""
    ids, removed = list(escalation_ids), 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        gone = conn.execute(delete(escalation_notes).where(escalation_notes.c.escalation_id.in_(chunk)))
        removed += int(gone.rowcount)
    return removed
