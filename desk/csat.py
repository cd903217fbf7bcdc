"""The one-click satisfaction question: asked once per conversation, stored anonymously, summed up for the lead.

Ratings carry the conversation id, the score, an optional comment, the resolution path, the articles involved,
the language and the time: never a user id. Per-answer feedback ("Hat Ihnen das geholfen?") is stored per
article only.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, TypedDict

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from desk import daily_counts
from desk.db import article_feedback, aware, conversations, csat_ratings, now
from knowledge.redaction import redact
from texts import section, text

# How a conversation ended: the one list (labels in texts/*.yml "resolution_path"; README, insights page and CSV).
PATHS = ("bot", "agent", "ticket", "incident", "action", "abandoned")
SCORES = (1, 2, 3, 4, 5)
SATISFIED = (4, 5)  # "zufrieden": the share of these among the answers is held against the desk's target
TARGET = 0.96


class CsatError(ValueError):
    """A score or comment that cannot be stored."""


def mark_asked(engine: Engine, conversation_id: str, path: str) -> bool:
    """Record that the question is asked now; ``False`` if it was asked before (never twice)."""
    if path not in PATHS:
        raise CsatError(f"unknown resolution path {path!r}")
    with engine.begin() as conn:
        result = conn.execute(
            update(conversations)
            .where(conversations.c.id == conversation_id, conversations.c.csat_asked_at.is_(None))
            .values(csat_asked_at=now(), csat_path=path)
        )
        return result.rowcount == 1


def asked_path(engine: Engine, conversation_id: str) -> str | None:
    """The resolution path recorded when the question was asked, if it was."""
    with engine.connect() as conn:
        row = conn.execute(
            select(conversations.c.csat_asked_at, conversations.c.csat_path).where(
                conversations.c.id == conversation_id
            )
        ).first()
    return row.csat_path if row is not None and row.csat_asked_at is not None else None


def store_rating(
    engine: Engine, *, conversation_id: str, score: int, path: str, articles: list[str], language: str
) -> bool:
    """Store the score (first click wins); ``False`` when this conversation was rated already."""
    if score not in SCORES:
        raise CsatError(f"score must be 1-5, got {score!r}")
    if path not in PATHS:
        raise CsatError(f"unknown resolution path {path!r}")
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(csat_ratings).values(
                    conversation_id=conversation_id,
                    score=score,
                    resolution_path=path,
                    articles=sorted(set(articles)),
                    language=language,
                    created_at=now(),
                )
            )
    except IntegrityError:
        return False
    return True


def add_comment(engine: Engine, conversation_id: str, comment: str) -> bool:
    """Attach the optional free-text comment to the conversation's rating."""
    text = redact(comment.strip()[:2000])
    if not text:
        return False
    with engine.begin() as conn:
        result = conn.execute(
            update(csat_ratings).where(csat_ratings.c.conversation_id == conversation_id).values(comment=text)
        )
        return result.rowcount == 1


def rating_of(engine: Engine, conversation_id: str) -> dict[str, Any] | None:
    """The stored rating of a conversation (for the chat's state and for tests)."""
    with engine.connect() as conn:
        row = conn.execute(select(csat_ratings).where(csat_ratings.c.conversation_id == conversation_id)).first()
    return dict(row._mapping) if row is not None else None


def record_article_feedback(engine: Engine, *, slug: str, helpful: bool, language: str) -> None:
    """One 👍 or 👎 for an article."""
    with engine.begin() as conn:
        conn.execute(insert(article_feedback).values(slug=slug, helpful=helpful, language=language, created_at=now()))


def article_votes(engine: Engine, slug: str) -> tuple[int, int]:
    """(👍, 👎) counts of an article."""
    with engine.connect() as conn:
        rows = conn.execute(select(article_feedback.c.helpful).where(article_feedback.c.slug == slug)).scalars()
        votes = Counter(bool(v) for v in rows)
    return votes[True], votes[False]


class Figures(TypedDict):
    """Asked vs answered, average and distribution of one group of conversations."""

    asked: int
    answered: int
    response_rate: float | None
    average: float | None
    satisfied: float | None
    distribution: dict[str, int]


def _figures(asked: int, scores: list[int]) -> Figures:
    dist = Counter(scores)
    return Figures(
        asked=asked,
        answered=len(scores),
        response_rate=round(len(scores) / asked, 3) if asked else None,
        average=round(sum(scores) / len(scores), 2) if scores else None,
        satisfied=satisfied_share(scores),
        distribution={str(s): dist.get(s, 0) for s in SCORES},
    )


def satisfied_share(scores: list[int]) -> float | None:
    """Share of 4 and 5 among the scores ("zufrieden"), None without scores."""
    return round(sum(1 for s in scores if s in SATISFIED) / len(scores), 3) if scores else None


def period_bounds(start: date, end: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The period's first and first-after instants in UTC (whole days in ``tz``)."""
    lo = datetime.combine(start, time.min, tz).astimezone(UTC)
    return lo, datetime.combine(end + timedelta(days=1), time.min, tz).astimezone(UTC)


def insights(engine: Engine, start: date, end: date, tz: tzinfo = UTC) -> dict[str, Any]:
    """Figures for conversations asked between ``start`` and ``end`` (inclusive days in ``tz``), by path.

    Conversations the purge deleted count through their anonymous daily counts (``desk.daily_counts``), so the
    figures of a week are the same before and after its conversations went.
    """
    lo, hi = period_bounds(start, end, tz)
    # One window for both: conversations asked in the period, with their rating if there is one (a rating
    # given after midnight still belongs to the question asked the evening before).
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                conversations.c.csat_path,
                csat_ratings.c.score,
                csat_ratings.c.resolution_path,
                csat_ratings.c.created_at,
            )
            .select_from(conversations.outerjoin(csat_ratings, csat_ratings.c.conversation_id == conversations.c.id))
            .where(conversations.c.csat_asked_at >= lo, conversations.c.csat_asked_at < hi)
        ).all()
    asked_by = Counter(r.csat_path for r in rows)
    # (path, score, ISO week of the rating) of every rating, live or counted
    rated = [
        (r.resolution_path, r.score, daily_counts.iso_week(aware(r.created_at) or r.created_at, tz))
        for r in rows
        if r.score is not None
    ]
    for key, n in daily_counts.read(engine, "csat_asked", start, end).items():
        asked_by[key.dimension] += n
    for key, n in daily_counts.read(engine, "csat_rated", start, end).items():
        rated += [(key.dimension, key.score, key.week)] * n
    by_path = {path: _figures(asked_by.get(path, 0), [score for p, score, _ in rated if p == path]) for path in PATHS}
    weeks: dict[str, list[int]] = {}
    for _, score, week in rated:
        weeks.setdefault(week, []).append(score)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        **_figures(sum(asked_by.values()), [score for _, score, _ in rated]),
        "by_path": by_path,
        "weeks": [
            {"week": w, "answered": len(s), "average": round(sum(s) / len(s), 2), "satisfied": satisfied_share(s)}
            for w, s in sorted(weeks.items())
        ],
    }


def insights_csv(figures: dict[str, Any]) -> str:
    """One row per resolution path and a total row; German header, ";" separated, decimal comma."""
    labels = section("resolution_path")

    def row(name: str, f: dict[str, Any]) -> str:
        rate = "" if f["response_rate"] is None else f"{f['response_rate'] * 100:.1f}".replace(".", ",")
        avg = "" if f["average"] is None else f"{f['average']:.2f}".replace(".", ",")
        return ";".join(
            [name, str(f["asked"]), str(f["answered"]), rate, avg, *(str(f["distribution"][str(s)]) for s in SCORES)]
        )

    lines = [text("csat.csv_header")]
    lines += [row(labels[p], figures["by_path"][p]) for p in PATHS]
    lines.append(row(text("csat.total"), figures))
    return "\r\n".join(lines) + "\r\n"
