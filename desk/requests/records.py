"""The ``service_requests`` records: a request's fields, its status, its approval and its ticket."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, insert, or_, select, update

from desk.db import aware, now, service_requests, utc

STATUSES = ("submitted", "waiting_approval", "approved", "rejected", "ticket_created")
PREFIX = "AN"  # Antrag: AN-2026-000042


@dataclass(frozen=True)
class ServiceRequest:
    """One structured request as stored."""

    id: int
    number: str
    kind: str
    fields: dict[str, str]
    status: str
    user: str
    conversation_id: str | None
    language: str
    approver: str | None
    approval_nonce: str | None
    approval_expires_at: datetime | None
    decided_at: datetime | None
    ticket_number: str | None
    ticket_sink: str | None
    created_at: datetime
    updated_at: datetime


def _record(row: Any) -> ServiceRequest:
    return ServiceRequest(
        id=row.id,
        number=row.number or "",
        kind=row.kind,
        fields=dict(row.fields or {}),
        status=row.status,
        user=row.user_pseudonym,
        conversation_id=row.conversation_id,
        language=row.language,
        approver=row.approver,
        approval_nonce=row.approval_nonce,
        approval_expires_at=aware(row.approval_expires_at),
        decided_at=aware(row.decided_at),
        ticket_number=row.ticket_number,
        ticket_sink=row.ticket_sink,
        created_at=utc(row.created_at),
        updated_at=utc(row.updated_at),
    )


def create(
    engine: Engine,
    *,
    kind: str,
    fields: dict[str, str],
    user: str,
    conversation_id: str | None,
    language: str,
    approver: str | None,
) -> ServiceRequest:
    """Store a submitted request and number it ``AN-<year>-<id>`` (unique, since the id is)."""
    ts = now()
    with engine.begin() as conn:
        rid = conn.execute(
            insert(service_requests)
            .values(
                kind=kind,
                fields=fields,
                status="submitted",
                user_pseudonym=user,
                conversation_id=conversation_id,
                language="en" if language == "en" else "de",
                approver=approver,
                created_at=ts,
                updated_at=ts,
            )
            .returning(service_requests.c.id)
        ).scalar_one()
        number = f"{PREFIX}-{ts.year}-{rid:06d}"
        conn.execute(update(service_requests).where(service_requests.c.id == rid).values(number=number))
    found = get(engine, int(rid))
    assert found is not None  # noqa: S101 - inserted just now
    return found


def get(engine: Engine, request_id: int) -> ServiceRequest | None:
    """The request with this id."""
    with engine.connect() as conn:
        row = conn.execute(select(service_requests).where(service_requests.c.id == request_id)).first()
    return _record(row) if row is not None else None


def of_user(engine: Engine, user: str, limit: int = 3) -> list[ServiceRequest]:
    """A person's newest requests first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(service_requests)
            .where(service_requests.c.user_pseudonym == user)
            .order_by(service_requests.c.id.desc())
            .limit(limit)
        ).all()
    return [_record(r) for r in rows]


def await_approval(engine: Engine, request_id: int, *, nonce_hash: str, expires_at: datetime) -> None:
    """The request waits for its approver; only the link with this nonce can decide it."""
    with engine.begin() as conn:
        conn.execute(
            update(service_requests)
            .where(service_requests.c.id == request_id)
            .values(
                status="waiting_approval", approval_nonce=nonce_hash, approval_expires_at=expires_at, updated_at=now()
            )
        )


def decide(engine: Engine, request_id: int, *, nonce_hash: str, approved: bool) -> bool:
    """Record the decision once: ``False`` when the link was used already (or replaced), nothing changes then.

    The nonce is cleared in the same UPDATE that checks it, so two clicks at once decide only once.
    """
    ts = now()
    with engine.begin() as conn:
        done = conn.execute(
            update(service_requests)
            .where(
                service_requests.c.id == request_id,
                service_requests.c.status == "waiting_approval",
                service_requests.c.approval_nonce == nonce_hash,
            )
            .values(status="approved" if approved else "rejected", approval_nonce=None, decided_at=ts, updated_at=ts)
        )
        return bool(done.rowcount == 1)


def set_ticket(engine: Engine, request_id: int, *, number: str, sink: str) -> None:
    """The ticket was made."""
    with engine.begin() as conn:
        conn.execute(
            update(service_requests)
            .where(service_requests.c.id == request_id)
            .values(status="ticket_created", ticket_number=number, ticket_sink=sink, updated_at=now())
        )


def without_ticket(engine: Engine, before: datetime, limit: int = 20) -> list[ServiceRequest]:
    """Requests that should have a ticket by now (approved, or needing no approval) but have none."""
    c = service_requests.c
    due = or_(c.status == "approved", and_(c.status == "submitted", c.approver.is_(None)))
    with engine.connect() as conn:
        rows = conn.execute(
            select(service_requests)
            .where(due, c.ticket_number.is_(None), c.updated_at < before)
            .order_by(c.id)
            .limit(limit)
        ).all()
    return [_record(r) for r in rows]


def claim(engine: Engine, found: ServiceRequest) -> bool:
    """Take a request for a retry: only one instance wins (its ``updated_at`` moves on)."""
    with engine.begin() as conn:
        done = conn.execute(
            update(service_requests)
            .where(service_requests.c.id == found.id, service_requests.c.updated_at == found.updated_at)
            .values(updated_at=now())
        )
        return bool(done.rowcount == 1)
