"""The access audit: which staff account opened which escalation, its live messages or the ticket list, and when.

For the data-protection officer and the staff council: readable by admins only, deleted after
``SERVICEDESK_RETENTION_AUDIT_DAYS`` (the retention purge calls :func:`purge`). A row holds the account, the
view and the escalation id, never content. The console long-polls an escalation's messages every few seconds;
the same account reading the same view again within :data:`REPEAT_S` is one visit, not a new row each poll.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import Engine, delete, insert, select

from desk.accounts import Account
from desk.db import access_audit, aware, now

VIEWS = ("escalation", "messages", "tickets")
REPEAT_S = 600
MAX_ROWS = 1000


class AccessRow(TypedDict):
    """One access as the admin page lists it."""

    id: int
    at: str
    staff_id: int | None
    staff_username: str
    view: str
    escalation_id: int | None


def record(engine: Engine, *, account: Account, view: str, escalation_id: int | None = None) -> bool:
    """Note that ``account`` opened ``view`` now; ``False`` when it is the same visit as one noted moments ago."""
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}")
    at = now()
    with engine.begin() as conn:
        where = [
            access_audit.c.staff_id == account.id,
            access_audit.c.view == view,
            access_audit.c.at >= at - timedelta(seconds=REPEAT_S),
        ]
        where.append(
            access_audit.c.escalation_id.is_(None)
            if escalation_id is None
            else access_audit.c.escalation_id == escalation_id
        )
        # The detail view is always a new visit; only the polls that follow it are folded together.
        if view != "escalation" and conn.execute(select(access_audit.c.id).where(*where).limit(1)).first():
            return False
        conn.execute(
            insert(access_audit).values(
                at=at, staff_id=account.id, staff_username=account.username, view=view, escalation_id=escalation_id
            )
        )
    return True


def accesses(
    engine: Engine, *, since: datetime | None = None, until: datetime | None = None, limit: int = MAX_ROWS
) -> list[AccessRow]:
    """Accesses newest first, optionally within [since, until)."""
    query = select(access_audit).order_by(access_audit.c.id.desc()).limit(limit)
    if since is not None:
        query = query.where(access_audit.c.at >= since)
    if until is not None:
        query = query.where(access_audit.c.at < until)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [_row(r) for r in rows]


def _row(r: Any) -> AccessRow:
    return AccessRow(
        id=r.id,
        at=aware(r.at).isoformat(),  # type: ignore[union-attr]
        staff_id=r.staff_id,
        staff_username=r.staff_username,
        view=r.view,
        escalation_id=r.escalation_id,
    )


def purge(engine: Engine, before: datetime) -> int:
    """Delete accesses older than ``before`` (the retention period); returns how many went."""
    with engine.begin() as conn:
        return int(conn.execute(delete(access_audit).where(access_audit.c.at < before)).rowcount)
