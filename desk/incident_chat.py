"""What the chat did with an incident: shown to a conversation, and what the employee chose (``incident_matches``).

One row per conversation and incident: ``messages`` counts the conversation's messages that matched it,
``choice`` is the employee's last step (``shown`` → ``subscribe`` | ``other`` | ``escalate``). The console's
counters and the insights come from here; "Das ist ein anderes Problem" is remembered so the same conversation
is not shown the same incident again.
"""

from __future__ import annotations

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from desk.db import escalations, incident_matches, incidents, now

CHOICES = ("shown", "subscribe", "other", "escalate")


def record_shown(engine: Engine, incident_id: int, conversation_id: str, language: str) -> None:
    """The chat answered a message of this conversation with the incident (again)."""
    _upsert(engine, incident_id, conversation_id, language, "shown")


def decline(engine: Engine, incident_id: int, conversation_id: str, language: str) -> None:
    """Declined ("Das ist ein anderes Problem", "Nein, etwas anderes"; also when only asked): not offered again."""
    _upsert(engine, incident_id, conversation_id, language, "other")


def _upsert(engine: Engine, incident_id: int, conversation_id: str, language: str, choice: str) -> None:
    """One row per conversation and incident: a new one, or the existing one counted (and its choice changed)."""
    ts = now()
    new = {"updated_at": ts} if choice == "shown" else {"updated_at": ts, "choice": choice}
    again = (
        update(incident_matches)
        .where(incident_matches.c.incident_id == incident_id, incident_matches.c.conversation_id == conversation_id)
        .values(messages=incident_matches.c.messages + int(choice == "shown"), **new)
    )
    row = {"language": language, "choice": choice, "messages": 1, "at": ts, "updated_at": ts}
    with engine.begin() as conn:
        if conn.execute(again).rowcount:
            return
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(incident_matches).values(incident_id=incident_id, conversation_id=conversation_id, **row)
                )
        except IntegrityError:  # the same conversation's other message got there first
            conn.execute(again)


def choose(engine: Engine, incident_id: int, conversation_id: str, choice: str) -> bool:
    """Store the employee's step; ``False`` when this conversation was never shown the incident."""
    if choice not in CHOICES:
        raise ValueError(f"unknown choice {choice!r}")
    with engine.begin() as conn:
        return bool(
            conn.execute(
                update(incident_matches)
                .where(
                    incident_matches.c.incident_id == incident_id,
                    incident_matches.c.conversation_id == conversation_id,
                )
                .values(choice=choice, updated_at=now())
            ).rowcount
        )


def declined(engine: Engine, conversation_id: str) -> frozenset[int]:
    """The incidents this conversation said were "ein anderes Problem": not shown to it again."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(incident_matches.c.incident_id).where(
                incident_matches.c.conversation_id == conversation_id, incident_matches.c.choice == "other"
            )
        ).all()
    return frozenset(int(r.incident_id) for r in rows)


def choice_of(engine: Engine, incident_id: int, conversation_id: str) -> str | None:
    """The conversation's last step on this incident; ``None`` when the chat never showed it there.

    Slots can be crafted: a subscription or a link needs this.
    """
    with engine.connect() as conn:
        return conn.execute(
            select(incident_matches.c.choice).where(
                incident_matches.c.incident_id == incident_id,
                incident_matches.c.conversation_id == conversation_id,
            )
        ).scalar()


def others_affected(engine: Engine, incident_id: int, user_pseudonym: str) -> int:
    """How many other people asked for the service desk under the same incident ("betroffen: N weitere")."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count(func.distinct(escalations.c.user_pseudonym))).where(
                    escalations.c.incident_id == incident_id, escalations.c.user_pseudonym != user_pseudonym
                )
            ).scalar()
            or 0
        )


def linked(engine: Engine, incident_id: int | None, user_pseudonym: str) -> dict[str, object] | None:
    """The incident an escalation is linked to, for the context card: id, title, status, others affected."""
    if incident_id is None:
        return None
    with engine.connect() as conn:
        row = conn.execute(
            select(incidents.c.title, incidents.c.published, incidents.c.status).where(incidents.c.id == incident_id)
        ).first()
    if row is None:
        return None
    title = str((row.published or {}).get("title") or row.title)
    return {
        "id": incident_id,
        "title": title,
        "status": row.status,
        "others": others_affected(engine, incident_id, user_pseudonym),
    }
