"""What a major incident did for the desk: the counters of the console and of the lead's insights (issue 13).

Per incident: matched messages (the chat answered them with the incident), subscribers, linked escalations and
tickets (``escalations.incident_id``), deflected conversations (answered with the incident and no escalation
afterwards; "Das ist ein anderes Problem" does not count, the incident was not their problem) and the closing
question of path ``incident``. Per ISO week the same, by when it happened. Team level only: nothing here names
an agent or an employee. Computed from the live records, so a period's figures shrink once its conversations are
purged (the retention periods).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, tzinfo
from typing import Any, TypedDict

from sqlalchemy import Connection, Engine, and_, or_, select

from desk import csat
from desk.daily_counts import iso_week
from desk.db import conversations, csat_ratings, escalations, incident_matches, incident_subscriptions, incidents, utc

BATCH = 500
OTHER = "other"  # "Das ist ein anderes Problem": answered with the incident, but not about it


class Rating(TypedDict):
    """The closing question of path ``incident``: asked, answered, average score, share of 4 and 5."""

    asked: int
    answered: int
    average: float | None
    satisfied: float | None


class Counters(TypedDict):
    """One incident's (or one week's) figures."""

    matched_messages: int
    matched_conversations: int
    subscribers: int
    escalations: int
    tickets: int
    deflected: int
    csat: Rating


def _rating(asked: int, scores: list[int]) -> Rating:
    return Rating(
        asked=asked,
        answered=len(scores),
        average=round(sum(scores) / len(scores), 2) if scores else None,
        satisfied=csat.satisfied_share(scores),
    )


def empty() -> Counters:
    """All zero (an incident nobody asked about yet)."""
    return Counters(
        matched_messages=0,
        matched_conversations=0,
        subscribers=0,
        escalations=0,
        tickets=0,
        deflected=0,
        csat=_rating(0, []),
    )


def _chunks(ids: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _escalated_after(conn: Connection, conversation_ids: list[str]) -> dict[str, list[datetime]]:
    """When each of these conversations asked for a person (any escalation, linked or not)."""
    found: dict[str, list[datetime]] = defaultdict(list)
    for chunk in _chunks(sorted(set(conversation_ids))):
        rows = conn.execute(
            select(escalations.c.conversation_id, escalations.c.created_at).where(
                escalations.c.conversation_id.in_(chunk)
            )
        ).all()
        for r in rows:
            found[r.conversation_id].append(utc(r.created_at))
    return found


def _deflected(match: Any, escalated: dict[str, list[datetime]]) -> bool:
    """Answered with the incident (not "another problem") and no escalation from then on."""
    return match.choice != OTHER and not any(at >= utc(match.at) for at in escalated.get(match.conversation_id, ()))


def counters(engine: Engine, incident_ids: Iterable[int]) -> dict[int, Counters]:
    """Every counter of each incident, over its whole life (zeros for one without any)."""
    ids = sorted(set(incident_ids))
    found = {i: empty() for i in ids}
    if not ids:
        return found
    with engine.connect() as conn:
        for chunk in _chunks(ids):
            _fill(conn, chunk, found)
    return found


def _fill(conn: Connection, ids: list[int], found: dict[int, Counters]) -> None:
    matches = conn.execute(select(incident_matches).where(incident_matches.c.incident_id.in_(ids))).all()
    escalated = _escalated_after(conn, [m.conversation_id for m in matches])
    for m in matches:
        f = found[m.incident_id]
        f["matched_messages"] += int(m.messages)
        f["matched_conversations"] += 1
        f["deflected"] += _deflected(m, escalated)
    linked = conn.execute(
        select(escalations.c.incident_id, escalations.c.ticket_number).where(escalations.c.incident_id.in_(ids))
    ).all()
    for e in linked:
        found[e.incident_id]["escalations"] += 1
        found[e.incident_id]["tickets"] += e.ticket_number is not None
    # The closing question of path incident goes to the subscribers when the incident is resolved.
    subs = conn.execute(
        select(
            incident_subscriptions.c.incident_id,
            conversations.c.csat_path,
            conversations.c.csat_asked_at,
            csat_ratings.c.score,
            csat_ratings.c.resolution_path,
        )
        .select_from(
            incident_subscriptions.outerjoin(
                conversations, conversations.c.id == incident_subscriptions.c.conversation_id
            ).outerjoin(csat_ratings, csat_ratings.c.conversation_id == incident_subscriptions.c.conversation_id)
        )
        .where(incident_subscriptions.c.incident_id.in_(ids))
    ).all()
    asked: dict[int, int] = defaultdict(int)
    scores: dict[int, list[int]] = defaultdict(list)
    for s in subs:
        found[s.incident_id]["subscribers"] += 1
        asked[s.incident_id] += s.csat_asked_at is not None and s.csat_path == "incident"
        if s.score is not None and s.resolution_path == "incident":
            scores[s.incident_id].append(int(s.score))
    for i in ids:
        found[i]["csat"] = _rating(asked[i], scores[i])


def _overlapping(conn: Connection, lo: datetime, hi: datetime) -> list[Any]:
    """The incidents employees saw during the period (published before its end, not resolved before its start)."""
    return list(
        conn.execute(
            select(incidents.c.id, incidents.c.title, incidents.c.published, incidents.c.status)
            .where(
                incidents.c.published_at.is_not(None),
                incidents.c.published_at < hi,
                or_(incidents.c.resolved_at.is_(None), incidents.c.resolved_at >= lo),
            )
            .order_by(incidents.c.published_at, incidents.c.id)
        ).all()
    )


def _weeks(conn: Connection, lo: datetime, hi: datetime, tz: tzinfo) -> list[dict[str, Any]]:
    """The counters by the ISO week in which each thing happened (first match, subscription, escalation, rating)."""
    weeks: dict[str, Counters] = defaultdict(empty)
    scores: dict[str, list[int]] = defaultdict(list)
    matches = conn.execute(
        select(incident_matches).where(incident_matches.c.at >= lo, incident_matches.c.at < hi)
    ).all()
    escalated = _escalated_after(conn, [m.conversation_id for m in matches])
    for m in matches:
        w = weeks[iso_week(m.at, tz)]
        w["matched_messages"] += int(m.messages)
        w["matched_conversations"] += 1
        w["deflected"] += _deflected(m, escalated)
    for (at,) in conn.execute(
        select(incident_subscriptions.c.created_at).where(
            incident_subscriptions.c.created_at >= lo, incident_subscriptions.c.created_at < hi
        )
    ):
        weeks[iso_week(at, tz)]["subscribers"] += 1
    in_period = and_(escalations.c.created_at >= lo, escalations.c.created_at < hi)
    for e in conn.execute(
        select(escalations.c.created_at, escalations.c.ticket_number).where(
            escalations.c.incident_id.is_not(None), in_period
        )
    ):
        w = weeks[iso_week(e.created_at, tz)]
        w["escalations"] += 1
        w["tickets"] += e.ticket_number is not None
    for c in conn.execute(
        select(conversations.c.csat_asked_at).where(
            conversations.c.csat_path == "incident",
            conversations.c.csat_asked_at >= lo,
            conversations.c.csat_asked_at < hi,
        )
    ):
        weeks[iso_week(c.csat_asked_at, tz)]["csat"]["asked"] += 1
    for r in conn.execute(
        select(csat_ratings.c.created_at, csat_ratings.c.score).where(
            csat_ratings.c.resolution_path == "incident",
            csat_ratings.c.created_at >= lo,
            csat_ratings.c.created_at < hi,
        )
    ):
        scores[iso_week(r.created_at, tz)].append(int(r.score))
    for week, ratings in scores.items():
        weeks[week]["csat"] = _rating(weeks[week]["csat"]["asked"], ratings)
    return [{"week": w, **weeks[w]} for w in sorted(weeks)]


def insights(engine: Engine, start: date, end: date, tz: tzinfo) -> dict[str, Any]:
    """The incidents employees saw from ``start`` to ``end`` (local days) with their counters, and the weeks."""
    lo, hi = csat.period_bounds(start, end, tz)
    with engine.connect() as conn:
        shown = _overlapping(conn, lo, hi)
        weeks = _weeks(conn, lo, hi, tz)
    figures = counters(engine, [r.id for r in shown])
    return {
        "incidents": [
            {
                "id": r.id,
                "title": str((r.published or {}).get("title") or r.title),
                "status": r.status,
                **figures[r.id],
            }
            for r in shown
        ],
        "weeks": weeks,
    }
