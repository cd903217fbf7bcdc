"""Incidents under the retention periods and data-subject requests.

A subscription is the only incident record that points at a person (pseudonymously, through the conversation):
it goes with the conversations' period, and with the conversation on an erase; an export lists it. Resolved
incidents, their history (the publish audit) and remaining subscriptions go after the audit period.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select

from desk.db import aware, incident_subscriptions, incident_updates, incidents

BATCH = 500


def purge_in(conn: Connection, *, subscriptions_before: datetime, incidents_before: datetime) -> tuple[int, int]:
    """Delete old subscriptions, then incidents resolved before ``incidents_before`` with their history.

    Returns (subscriptions, incidents) deleted, inside the caller's transaction.
    """
    subs = int(
        conn.execute(
            delete(incident_subscriptions).where(incident_subscriptions.c.created_at < subscriptions_before)
        ).rowcount
    )
    old = list(
        conn.execute(
            select(incidents.c.id).where(incidents.c.status == "resolved", incidents.c.resolved_at < incidents_before)
        ).scalars()
    )
    for start in range(0, len(old), BATCH):
        chunk = old[start : start + BATCH]
        subs += int(
            conn.execute(delete(incident_subscriptions).where(incident_subscriptions.c.incident_id.in_(chunk))).rowcount
        )
        conn.execute(delete(incident_updates).where(incident_updates.c.incident_id.in_(chunk)))
        conn.execute(delete(incidents).where(incidents.c.id.in_(chunk)))
    return subs, len(old)


def subscriptions_of(conn: Connection, conversation_ids: Iterable[str]) -> list[dict[str, Any]]:
    """The conversations' subscriptions with the incident's title (the data-subject export)."""
    ids, found = list(conversation_ids), []
    for start in range(0, len(ids), BATCH):
        rows = conn.execute(
            select(incident_subscriptions, incidents.c.title)
            .select_from(incident_subscriptions.join(incidents, incidents.c.id == incident_subscriptions.c.incident_id))
            .where(incident_subscriptions.c.conversation_id.in_(ids[start : start + BATCH]))
            .order_by(incident_subscriptions.c.id)
        ).all()
        found += [
            {
                "conversation_id": r.conversation_id,
                "incident_id": r.incident_id,
                "incident_title": r.title,
                "created_at": aware(r.created_at).isoformat(),  # type: ignore[union-attr]
            }
            for r in rows
        ]
    return found


def delete_subscriptions(conn: Connection, conversation_ids: Iterable[str]) -> int:
    """Delete the conversations' subscriptions (a data-subject erase); how many went."""
    ids, removed = list(conversation_ids), 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        removed += int(
            conn.execute(
                delete(incident_subscriptions).where(incident_subscriptions.c.conversation_id.in_(chunk))
            ).rowcount
        )
    return removed
