"""The purge: records past their retention period are deleted; anonymous daily counts remain.

Periods come from ``settings.retention`` (``SERVICEDESK_RETENTION_*``). One run, in one transaction of the
records database (a dry run rolls it back):

- messages and attached screenshots older than the conversations' period; then conversations without messages
  left whose last change is that old (not while an escalation of theirs is open), with their CSAT rating: counted
  first into
  ``daily_counts`` (conversations, CSAT asked and rated by path, language, score and week);
- CSAT comments older than their period (the score stays until the conversation goes);
- closed escalations older than their period (details, summary, transcript, contact), counted by reason, with
  their internal notes;
- the chat copy in tickets of that age: body, customer pseudonym and escalation link cleared;
- structured requests (issue 19) last changed longer ago than the escalations' period;
- gap questions older than their period, counted by reason;
- the access and request audit (issue 14, part D) older than its period, when those tables exist;
- incident subscriptions older than the conversations' period; incidents resolved longer ago than the audit
  period, with their history and subscriptions;

then, after the commit, Rasa's tracker events of the deleted conversations and of any conversation whose newest
event is older than the conversations' period (e.g. one that reached Rasa directly). A tracker deletion that
fails is caught up by the next run (those events are still idle). ``now`` can be given: tests move the clock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, Table, and_, delete, exists, inspect, select, update

from desk import daily_counts, incident_records, job_runs, leases, rasa_tracker, surges, unlock_records
from desk.daily_counts import Key, iso_week, local_day
from desk.db import (
    attachments,
    conversations,
    csat_ratings,
    escalation_notes,
    escalations,
    knowledge_gaps,
    messages,
    service_requests,
    tickets,
    utc,
)
from desk.db import now as utc_now
from desk.escalations import ACTIVE
from settings import Retention

KINDS = (
    "messages",
    "conversations",
    "csat_ratings",
    "csat_comments",
    "escalations",
    "escalation_notes",
    "ticket_chat_copies",
    "gaps",
    "audit",
    "tracker_events",
    "attachments",
    "incident_subscriptions",
    "incidents",
    "surges",
    "service_requests",
)
LEASE = "purge"
AUDIT_TABLES = (("access_audit", "at"), ("subject_requests", "at"), ("unlock_audit", "at"))
BATCH = 500


class PurgeConflict(RuntimeError):
    """Another purge deleted some of the same rows meanwhile: this run's transaction is rolled back."""


def purge(
    engine: Engine,
    retention: Retention,
    *,
    tz: tzinfo,
    tracker: Any = None,
    now: datetime | None = None,
    dry_run: bool = False,
) -> dict[str, int]:
    """Delete what is past its period (``dry_run``: only count it); returns how many of each kind.

    A real run (not a dry one) is counted in ``job_runs`` as a success or a failure, for ``/metrics``.
    """
    if dry_run:
        return _purge(engine, retention, tz=tz, tracker=tracker, now=now, dry_run=True)
    try:
        counts = _purge(engine, retention, tz=tz, tracker=tracker, now=now, dry_run=False)
    except Exception:
        job_runs.record(engine, LEASE, ok=False)
        raise
    job_runs.record(engine, LEASE, ok=True)
    return counts


def _purge(
    engine: Engine, retention: Retention, *, tz: tzinfo, tracker: Any, now: datetime | None, dry_run: bool
) -> dict[str, int]:
    at = utc(now) if now is not None else utc_now()
    counts = dict.fromkeys(KINDS, 0)
    gone: list[str] = []
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            conversations_before = at - timedelta(days=retention.conversations_days)
            counts["messages"] = _rowcount(conn, delete(messages).where(messages.c.created_at < conversations_before))
            counts["attachments"] = _rowcount(
                conn, delete(attachments).where(attachments.c.created_at < conversations_before)
            )
            gone, counts["csat_ratings"] = _conversations(conn, conversations_before, tz)
            counts["conversations"] = len(gone)
            counts["csat_ratings"] += _orphan_ratings(conn, conversations_before)
            counts["csat_comments"] = _rowcount(
                conn,
                update(csat_ratings)
                .where(
                    csat_ratings.c.created_at < at - timedelta(days=retention.csat_comments_days),
                    csat_ratings.c.comment.isnot(None),
                )
                .values(comment=None),
            )
            escalations_before = at - timedelta(days=retention.escalations_days)
            counts["escalations"], counts["escalation_notes"] = _escalations(conn, escalations_before, tz)
            counts["ticket_chat_copies"] = _rowcount(
                conn,
                update(tickets)
                .where(tickets.c.created_at < escalations_before, tickets.c.body != "")
                .values(body="", customer="", escalation_id=None),
            )
            counts["service_requests"] = _rowcount(
                conn, delete(service_requests).where(service_requests.c.updated_at < escalations_before)
            )
            counts["gaps"] = _gaps(conn, at - timedelta(days=retention.gaps_days), tz)
            counts["audit"] = _audit(conn, at - timedelta(days=retention.audit_days))
            unlock_records.purge_in(conn, at)  # operational state of the chat's unlock (an hour, a day)
            counts["incident_subscriptions"], counts["incidents"] = incident_records.purge_in(
                conn,
                subscriptions_before=conversations_before,
                incidents_before=at - timedelta(days=retention.audit_days),
            )
            counts["surges"] = surges.purge_in(conn, conversations_before)
        except BaseException:
            transaction.rollback()
            raise
        if dry_run:
            transaction.rollback()
        else:
            transaction.commit()
    if tracker is not None:
        idle = set(rasa_tracker.idle_senders(tracker, conversations_before))
        senders = set(gone) | (idle - _known(engine, idle))
        counts["tracker_events"] = (
            rasa_tracker.count_events(tracker, senders) if dry_run else rasa_tracker.delete_events(tracker, senders)
        )
    return counts


def purge_when_due(
    engine: Engine, retention: Retention, *, tz: tzinfo, tracker: Any, holder: str, now: datetime | None = None
) -> dict[str, int] | None:
    """Purge if this caller takes the lease (held for one purge interval); ``None`` when another instance has it."""
    if not leases.acquire(engine, LEASE, holder, retention.purge_interval_s, at=now):
        return None
    return purge(engine, retention, tz=tz, tracker=tracker, now=now)


def _known(engine: Engine, ids: set[str]) -> set[str]:
    """Those of ``ids`` that are conversations in our records (kept: their tracker stays with them)."""
    found: set[str] = set()
    ordered = sorted(ids)
    with engine.connect() as conn:
        for i in range(0, len(ordered), BATCH):
            chunk = ordered[i : i + BATCH]
            found |= set(conn.execute(select(conversations.c.id).where(conversations.c.id.in_(chunk))).scalars())
    return found


def _rowcount(conn: Connection, statement: Any) -> int:
    return int(conn.execute(statement).rowcount)


def _delete_exactly(conn: Connection, table: Table, column: Any, ids: list[Any]) -> None:
    """Delete these rows; fewer than expected means a concurrent purge counted them too (roll back)."""
    if _rowcount(conn, delete(table).where(column.in_(ids))) != len(ids):
        raise PurgeConflict(f"{table.name}: rows deleted meanwhile")


def _conversations(conn: Connection, before: datetime, tz: tzinfo) -> tuple[list[str], int]:
    """Conversations without messages left, last changed before ``before``, none of their escalations open."""
    has_messages = exists().where(messages.c.conversation_id == conversations.c.id)
    is_open = exists().where(escalations.c.conversation_id == conversations.c.id, escalations.c.status.in_(ACTIVE))
    gone: list[str] = []
    ratings = 0
    while True:
        rows = conn.execute(
            select(conversations)
            .where(conversations.c.updated_at < before, ~has_messages, ~is_open)
            .order_by(conversations.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return gone, ratings
        ids = [r.id for r in rows]
        rated = conn.execute(select(csat_ratings).where(csat_ratings.c.conversation_id.in_(ids))).all()
        conn_by_id = {r.id: r for r in rows}
        counts: Counter[Key] = Counter()
        for r in rows:
            counts[Key(local_day(r.created_at, tz), "conversations", "", r.language)] += 1
            if r.csat_asked_at is not None:
                counts[Key(local_day(r.csat_asked_at, tz), "csat_asked", r.csat_path or "", r.language)] += 1
        for rating in rated:
            asked = conn_by_id[rating.conversation_id].csat_asked_at
            if asked is not None:  # the figures count a rating by the day its question was asked
                day = local_day(asked, tz)
                week = iso_week(rating.created_at, tz)
                counts[Key(day, "csat_rated", rating.resolution_path, rating.language, rating.score, week)] += 1
        daily_counts.add(conn, counts)
        if rated:
            _delete_exactly(conn, csat_ratings, csat_ratings.c.id, [r.id for r in rated])
        _delete_exactly(conn, conversations, conversations.c.id, ids)
        gone += ids
        ratings += len(rated)


def _orphan_ratings(conn: Connection, before: datetime) -> int:
    """Ratings of conversations our records never had (Rasa reached directly): counted nowhere, deleted."""
    known = exists().where(conversations.c.id == csat_ratings.c.conversation_id)
    return _rowcount(conn, delete(csat_ratings).where(csat_ratings.c.created_at < before, ~known))


def _counted_delete(conn: Connection, table: Table, where: Iterable[Any], key: Any) -> int:
    """Delete the rows matching ``where`` in batches, adding ``key(row)`` to the daily counts first."""
    total = 0
    while True:
        rows = conn.execute(select(table).where(and_(*where)).order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            return total
        daily_counts.add(conn, Counter(key(r) for r in rows))
        _delete_exactly(conn, table, table.c.id, [r.id for r in rows])
        total += len(rows)


def _escalations(conn: Connection, before: datetime, tz: tzinfo) -> tuple[int, int]:
    """Closed escalations past their period and their internal notes: (escalations, notes) deleted."""
    where = [escalations.c.created_at < before, escalations.c.status.notin_(ACTIVE)]
    going = select(escalations.c.id).where(*where)
    notes = _rowcount(conn, delete(escalation_notes).where(escalation_notes.c.escalation_id.in_(going)))
    gone = _counted_delete(
        conn, escalations, where, lambda r: Key(local_day(r.created_at, tz), "escalations", r.reason, r.language)
    )
    return gone, notes


def _gaps(conn: Connection, before: datetime, tz: tzinfo) -> int:
    where = [knowledge_gaps.c.created_at < before]
    return _counted_delete(
        conn, knowledge_gaps, where, lambda r: Key(local_day(r.created_at, tz), "gaps", r.reason, r.language)
    )


def _audit(conn: Connection, before: datetime) -> int:
    """The audit tables of part D, where they exist (read from the database, not from our schema)."""
    found = 0
    names = set(inspect(conn).get_table_names())
    for name, column in AUDIT_TABLES:
        if name in names:
            table = Table(name, MetaData(), autoload_with=conn)
            found += _rowcount(conn, delete(table).where(table.c[column] < before))
    return found
