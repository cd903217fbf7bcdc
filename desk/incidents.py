"""Major incidents (issue 13): declared once by the service desk, shown to employees once published.

Agents create and edit an incident (a ``draft`` until published). What employees see is the ``published``
snapshot: it changes only when a lead publishes (or an agent, where ``SERVICEDESK_INCIDENT_AGENT_PUBLISH`` allows
it), and every publish is audited in ``incident_updates`` (who, when, what text). Status updates and the
resolution go to every subscribed conversation (:mod:`desk.incident_push`), in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from desk import incident_push
from desk.accounts import Account
from desk.db import aware, bump, counter, incident_subscriptions, incident_updates, incidents, new_id, now

STATUSES = ("draft", "active", "resolved")
KINDS = ("publish", "update", "resolve")
PUBLISHED_FIELDS = ("title", "symptoms", "status_text", "workaround", "services")


class IncidentConflict(RuntimeError):
    """The step does not fit the incident's status (e.g. a status update on a resolved incident)."""


@dataclass(frozen=True)
class Draft:
    """The fields staff write (checked by the API before they get here)."""

    title: str
    symptoms: str
    status_text: str
    workaround: str = ""
    services: tuple[str, ...] = ()
    next_update_at: datetime | None = None


def _iso(value: datetime | None) -> str | None:
    return aware(value).isoformat() if value is not None else None  # type: ignore[union-attr]


def _counts(conn: Connection, ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """Subscribers and history entries per incident."""
    subs = conn.execute(
        select(incident_subscriptions.c.incident_id, func.count())
        .where(incident_subscriptions.c.incident_id.in_(ids))
        .group_by(incident_subscriptions.c.incident_id)
    ).all()
    ups = conn.execute(
        select(incident_updates.c.incident_id, func.count())
        .where(incident_updates.c.incident_id.in_(ids))
        .group_by(incident_updates.c.incident_id)
    ).all()
    return {int(i): int(n) for i, n in subs}, {int(i): int(n) for i, n in ups}


def _json(row: Any, subscribers: int, updates: int) -> dict[str, Any]:
    published = dict(row.published) if row.published else None
    current = {f: (list(row.services or []) if f == "services" else getattr(row, f)) for f in PUBLISHED_FIELDS}
    return {
        "id": row.id,
        **current,
        "status": row.status,
        "next_update_at": _iso(row.next_update_at),
        "revision": row.revision,
        "published": published,
        "unpublished_changes": published is not None and published != current,
        "published_at": _iso(row.published_at),
        "created_at": _iso(row.created_at),
        "updated_at": _iso(row.updated_at),
        "resolved_at": _iso(row.resolved_at),
        "subscribers": subscribers,
        "updates": updates,
    }


def listing(engine: Engine, limit: int = 200) -> list[dict[str, Any]]:
    """Newest first, with their counters (subscribers, history entries)."""
    with engine.connect() as conn:
        rows = conn.execute(select(incidents).order_by(incidents.c.id.desc()).limit(limit)).all()
        subs, ups = _counts(conn, [r.id for r in rows])
    return [_json(r, subs.get(r.id, 0), ups.get(r.id, 0)) for r in rows]


def get(engine: Engine, incident_id: int) -> dict[str, Any] | None:
    """One incident with its history (oldest first); ``None`` when there is none by that id."""
    with engine.connect() as conn:
        row = conn.execute(select(incidents).where(incidents.c.id == incident_id)).first()
        if row is None:
            return None
        history = conn.execute(
            select(incident_updates)
            .where(incident_updates.c.incident_id == incident_id)
            .order_by(incident_updates.c.id)
        ).all()
        subs, _ = _counts(conn, [incident_id])
    found = _json(row, subs.get(incident_id, 0), len(history))
    found["history"] = [
        {
            "kind": h.kind,
            "text": h.text,
            "next_update_at": _iso(h.next_update_at),
            "by": h.by_username,
            "at": _iso(h.at),
        }
        for h in history
    ]
    return found


def active(engine: Engine) -> list[dict[str, Any]]:
    """The published, unresolved incidents as employees see them (the chat side matches against these)."""
    with engine.connect() as conn:
        rows = conn.execute(select(incidents).where(incidents.c.status == "active").order_by(incidents.c.id)).all()
    return [
        {"id": r.id, **dict(r.published or {}), "next_update_at": _iso(r.next_update_at), "since": _iso(r.published_at)}
        for r in rows
    ]


def changes(engine: Engine) -> int:
    """The ``incidents`` change counter: it moves with every publish, status update and resolution.

    Every process polls it (cheaply) to reload :func:`active` when what employees see has changed.
    """
    with engine.connect() as conn:
        return counter(conn, "incidents")


def create(engine: Engine, draft: Draft, *, account: Account) -> int:
    """A new incident, a ``draft`` until published; returns its id."""
    ts = now()
    with engine.begin() as conn:
        return new_id(
            conn.execute(
                insert(incidents).values(
                    **_fields(draft),
                    status="draft",
                    revision=0,
                    created_by=account.id,
                    updated_by=account.id,
                    created_at=ts,
                    updated_at=ts,
                )
            )
        )


def _fields(draft: Draft) -> dict[str, Any]:
    return {
        "title": draft.title,
        "symptoms": draft.symptoms,
        "status_text": draft.status_text,
        "workaround": draft.workaround,
        "services": list(draft.services),
        "next_update_at": _utc(draft.next_update_at),
    }


def _utc(value: datetime | None) -> datetime | None:
    """Stored in UTC (SQLite keeps the wall time and drops the offset)."""
    return value.astimezone(UTC) if value is not None else None


def _locked(conn: Connection, incident_id: int) -> Any:
    """The incident row after taking its write lock (an UPDATE), so concurrent steps run one after the other."""
    conn.execute(update(incidents).where(incidents.c.id == incident_id).values(revision=incidents.c.revision))
    row = conn.execute(select(incidents).where(incidents.c.id == incident_id)).first()
    if row is None:
        raise LookupError(incident_id)
    return row


def edit(engine: Engine, incident_id: int, draft: Draft, *, account: Account) -> None:
    """Change the fields; employees keep seeing the published text until the next publish."""
    with engine.begin() as conn:
        row = _locked(conn, incident_id)
        if row.status == "resolved":
            raise IncidentConflict("resolved")
        conn.execute(
            update(incidents)
            .where(incidents.c.id == incident_id)
            .values(**_fields(draft), updated_by=account.id, updated_at=now())
        )


def _log(
    conn: Connection, incident_id: int, kind: str, text: str, row_revision: int, account: Account, **kw: Any
) -> None:
    conn.execute(
        insert(incident_updates).values(
            incident_id=incident_id,
            kind=kind,
            text=text,
            next_update_at=kw.get("next_update_at"),
            revision=row_revision,
            by_id=account.id,
            by_username=account.username,
            at=now(),
        )
    )


def publish(engine: Engine, incident_id: int, *, account: Account) -> bool:
    """Make the current text what employees see; ``False`` when exactly that text is live already (a retry)."""
    with engine.begin() as conn:
        row = _locked(conn, incident_id)
        if row.status == "resolved":
            raise IncidentConflict("resolved")
        snapshot = {f: (list(row.services or []) if f == "services" else getattr(row, f)) for f in PUBLISHED_FIELDS}
        if row.status == "active" and dict(row.published or {}) == snapshot:
            return False
        revision, ts = row.revision + 1, now()
        conn.execute(
            update(incidents)
            .where(incidents.c.id == incident_id)
            .values(
                status="active",
                published=snapshot,
                published_by=account.id,
                published_at=ts,
                revision=revision,
                updated_at=ts,
            )
        )
        audit = "\n".join(
            str(snapshot[f]) if f != "services" else ", ".join(snapshot[f]) for f in PUBLISHED_FIELDS if snapshot[f]
        )
        _log(conn, incident_id, "publish", audit, revision, account, next_update_at=row.next_update_at)
        bump(conn, "incidents")
    return True


def add_update(
    engine: Engine,
    incident_id: int,
    *,
    text: str,
    next_update_at: datetime | None,
    account: Account,
    tz: tzinfo = incident_push.LOCAL,
) -> int:
    """A status update for an active incident, pushed to its subscribers; returns how many got it.

    The same text and time as the latest update is a retried call: nothing is posted twice.
    """
    return _step(engine, incident_id, "update", text, next_update_at, account, tz)


def resolve(engine: Engine, incident_id: int, *, text: str, account: Account) -> int:
    """Resolve: the text goes to every subscriber with the closing question; a second call posts nothing."""
    return _step(engine, incident_id, "resolve", text, None, account, incident_push.LOCAL)


def _step(  # noqa: PLR0913 - the one place both steps share
    engine: Engine,
    incident_id: int,
    kind: str,
    text: str,
    next_update_at: datetime | None,
    account: Account,
    tz: tzinfo,
) -> int:
    next_update_at = _utc(next_update_at)
    with engine.begin() as conn:
        row = _locked(conn, incident_id)
        if row.status == "resolved":
            if kind == "resolve":
                return 0  # resolved already (a retry): nothing more to post
            raise IncidentConflict("resolved")
        if row.status == "draft" and kind == "update":
            raise IncidentConflict("draft")
        latest = conn.execute(
            select(incident_updates)
            .where(incident_updates.c.incident_id == incident_id)
            .order_by(incident_updates.c.id.desc())
            .limit(1)
        ).first()
        if (
            latest is not None
            and latest.kind == kind
            and latest.text == text
            and aware(latest.next_update_at) == next_update_at
        ):
            return 0
        revision, ts = row.revision + 1, now()
        values: dict[str, Any] = {"revision": revision, "updated_at": ts, "updated_by": account.id}
        if kind == "resolve":
            values |= {"status": "resolved", "resolved_at": ts, "next_update_at": None}
        else:
            values["next_update_at"] = next_update_at
        conn.execute(update(incidents).where(incidents.c.id == incident_id).values(**values))
        _log(conn, incident_id, kind, text, revision, account, next_update_at=next_update_at)
        bump(conn, "incidents")
        title = str((row.published or {}).get("title") or row.title)
        return incident_push.deliver(
            conn, incident_id, revision, kind=kind, title=title, text=text, next_update_at=next_update_at, tz=tz
        )


def subscribe(engine: Engine, incident_id: int, conversation_id: str) -> bool:
    """Store that this conversation wants to hear about the incident; ``False`` when it was subscribed already.

    ``LookupError`` when the incident is unknown, :class:`IncidentConflict` unless it is active (published and
    not resolved). The conversation gets later updates only, not the status it was just shown.
    """
    try:
        with engine.begin() as conn:
            # FOR SHARE (PostgreSQL): an update being delivered right now commits first and is read here, or it
            # waits for this subscription and delivers to it too (SQLite: writers take turns anyway).
            row = conn.execute(
                select(incidents.c.status, incidents.c.revision)
                .where(incidents.c.id == incident_id)
                .with_for_update(read=True)
            )
            found = row.first()
            if found is None:
                raise LookupError(incident_id)
            if found.status != "active":
                raise IncidentConflict(found.status)
            conn.execute(
                insert(incident_subscriptions).values(
                    incident_id=incident_id,
                    conversation_id=conversation_id,
                    notified_revision=found.revision,
                    created_at=now(),
                )
            )
    except IntegrityError:
        return False
    return True
