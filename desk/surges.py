"""Surges (issue 13): many similar questions within minutes that no active incident explains, for the console.

Every ``SERVICEDESK_SURGE_INTERVAL_S`` one web instance (whoever takes the lease) groups the window's free-text
messages by meaning (:mod:`desk.surge_window`). A group with enough messages from enough conversations becomes a
surge unless an active incident explains it: its conversations were answered with one (``incident_matches``), or
its centre is close to an active incident's title and symptoms. A surge is found again in later runs by its centre,
so a dismissed one stays dismissed while the same questions go on. Surges are deleted with the conversations'
retention period (their examples are employees' messages, redacted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, delete, insert, select, update

from desk import incidents, job_runs, leases, surge_window
from desk.db import aware, incident_surges, now
from desk.surge_window import Group
from knowledge.embedder import Embedder
from settings.surges import Surges

LEASE = "surges"
STATUSES = ("open", "ended", "dismissed", "incident")


@dataclass(frozen=True)
class Run:
    """What one detection did: messages in the window, groups above the threshold, open surges afterwards."""

    messages: int
    groups: int
    open: int


def _vector(raw: bytes) -> np.ndarray:
    return np.frombuffer(raw, dtype=np.float32)


def _incident_vectors(engine: Engine, embedder: Embedder) -> list[tuple[int, np.ndarray]]:
    """Each active incident's published title and symptoms, embedded like a question (the query cache keeps them)."""
    found = incidents.active(engine)
    if not found:
        return []
    texts = [f"{i.get('title', '')}\n{i.get('symptoms', '')}" for i in found]
    return list(zip((int(i["id"]) for i in found), embedder.embed_queries(texts), strict=True))


def _explained_by(group: Group, known: list[tuple[int, np.ndarray]], similarity: float) -> int | None:
    """The active incident whose text is close to the group's centre, if any."""
    best = max(known, key=lambda k: float(k[1] @ group.centroid), default=None)
    return best[0] if best is not None and float(best[1] @ group.centroid) >= similarity else None


def _stored(conn: Connection) -> list[Any]:
    return list(conn.execute(select(incident_surges).order_by(incident_surges.c.id)).all())


def _same(rows: list[Any], group: Group, similarity: float, taken: set[int]) -> Any:
    """The stored surge (any status) whose centre is the group's, not matched to another group in this run."""
    scored = [(float(_vector(r.centroid) @ group.centroid), r) for r in rows if r.id not in taken]
    scored = [(s, r) for s, r in scored if s >= similarity]
    return max(scored, key=lambda x: x[0])[1] if scored else None


def _values(group: Group, at: datetime) -> dict[str, Any]:
    return {
        "centroid": group.centroid.astype(np.float32).tobytes(),
        "label": group.label,
        "examples": list(group.examples),
        "messages": group.messages,
        "conversations": group.conversations,
        "trend": group.trend,
        "last_seen": group.last_seen,
        "checked_at": at,
    }


def _store(
    conn: Connection, groups: list[Group], known: list[tuple[int, np.ndarray]], config: Surges, at: datetime
) -> None:
    rows = _stored(conn)
    taken: set[int] = set()
    for group in groups:
        row = _same(rows, group, config.similarity, taken)
        incident_id = _explained_by(group, known, config.incident_similarity)
        if row is not None:
            taken.add(row.id)
        if incident_id is not None:
            if row is not None:
                conn.execute(
                    update(incident_surges)
                    .where(incident_surges.c.id == row.id)
                    .values(status="incident" if row.status != "dismissed" else row.status, incident_id=incident_id)
                )
            continue
        if row is None:
            conn.execute(
                insert(incident_surges).values(**_values(group, at), status="open", first_seen=group.first_seen)
            )
            continue
        status = "dismissed" if row.status == "dismissed" else "open"
        conn.execute(
            update(incident_surges).where(incident_surges.c.id == row.id).values(**_values(group, at), status=status)
        )
    # Open surges no group matched any more have ended (the same questions later make them open again).
    still = [r.id for r in rows if r.status == "open" and r.id not in taken]
    if still:
        conn.execute(update(incident_surges).where(incident_surges.c.id.in_(still)).values(status="ended"))


def detect(engine: Engine, embedder: Embedder, config: Surges, *, keep_days: int, at: datetime | None = None) -> Run:
    """One run over the window ending ``at``; surges not seen for ``keep_days`` days are deleted."""
    at = at or now()
    since = at - timedelta(minutes=config.window_minutes)
    found = surge_window.recent(engine, since)
    found = [m for m in found if m.at <= at]
    groups: list[Group] = []
    known: list[tuple[int, np.ndarray]] = []
    if len(found) >= config.min_messages:
        vectors = embedder.embed_queries([m.text for m in found])
        groups = surge_window.groups(
            found,
            vectors,
            similarity=config.similarity,
            min_messages=config.min_messages,
            min_conversations=config.min_conversations,
            since=since,
            minutes=config.window_minutes,
        )
        known = _incident_vectors(engine, embedder) if groups else []
    with engine.begin() as conn:
        _store(conn, groups, known, config, at)
        purge_in(conn, at - timedelta(days=keep_days))
    return Run(len(found), len(groups), len(listing(engine)))


def purge_in(conn: Connection, before: datetime) -> int:
    """Delete surges last seen before ``before`` (the conversations' period), inside the caller's transaction."""
    return int(conn.execute(delete(incident_surges).where(incident_surges.c.last_seen < before)).rowcount)


def run_when_due(
    engine: Engine, embedder: Embedder, config: Surges, *, keep_days: int, holder: str, at: datetime | None = None
) -> Run | None:
    """Detect if this caller takes the lease (held for one interval); ``None`` when another instance has it.

    Every run is counted in ``job_runs`` (``/metrics``), a failed one too.
    """
    if not leases.acquire(engine, LEASE, holder, max(1.0, config.interval_s - 1.0), at=at):
        return None
    try:
        done = detect(engine, embedder, config, keep_days=keep_days, at=at)
    except Exception:
        job_runs.record(engine, LEASE, ok=False, at=at)
        raise
    job_runs.record(engine, LEASE, ok=True, at=at)
    return done


def _iso(value: datetime | None) -> str | None:
    return aware(value).isoformat() if value is not None else None  # type: ignore[union-attr]


def _json(row: Any) -> dict[str, Any]:
    examples = [str(e) for e in row.examples or []]
    return {
        "id": row.id,
        "label": row.label,
        "examples": examples,
        "count": row.messages,
        "conversations": row.conversations,
        "trend": dict(row.trend or {}),
        "first_seen": _iso(row.first_seen),
        "last_seen": _iso(row.last_seen),
        # What "Als Störung anlegen" fills in: the most typical wording, and the examples as what employees notice.
        "suggestion": {"title": row.label, "symptoms": "\n".join(examples)},
    }


def listing(engine: Engine) -> list[dict[str, Any]]:
    """The open surges, the largest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(incident_surges)
            .where(incident_surges.c.status == "open")
            .order_by(incident_surges.c.messages.desc(), incident_surges.c.id)
        ).all()
    return [_json(r) for r in rows]


def dismiss(engine: Engine, surge_id: int, *, username: str) -> bool:
    """Hide the surge for good (later runs with the same questions keep it hidden); ``False`` when it was already.

    ``LookupError`` when there is no surge by that id (never, or deleted after the retention period).
    """
    with engine.begin() as conn:
        row = conn.execute(select(incident_surges.c.status).where(incident_surges.c.id == surge_id)).first()
        if row is None:
            raise LookupError(surge_id)
        if row.status == "dismissed":
            return False
        conn.execute(
            update(incident_surges)
            .where(incident_surges.c.id == surge_id)
            .values(status="dismissed", dismissed_at=now(), dismissed_by=username[:80])
        )
    return True
