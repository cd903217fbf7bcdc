"""Anonymous daily counts: what remains of purged records, so the lead's figures do not change after a purge.

The purge adds a deleted row's counts here in the same transaction that deletes it, so for every day
"rows still there + counts here" is the same total before and after. Days are local days in the desk's time
zone (the insights page's days). No ids and no text: a day, a metric, a dimension (reason, path, sink), a
language, a CSAT score and the ISO week a rating was given.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, tzinfo
from typing import NamedTuple

from sqlalchemy import Connection, Engine, insert, select, update

from desk.db import daily_counts, utc

METRICS = ("conversations", "escalations", "tickets", "gaps", "csat_asked", "csat_rated")


class Key(NamedTuple):
    """What one count is of."""

    day: date
    metric: str
    dimension: str = ""
    language: str = ""
    score: int = 0
    week: str = ""


def local_day(at: datetime, tz: tzinfo) -> date:
    """The desk's local day of a stored timestamp."""
    return utc(at).astimezone(tz).date()


def iso_week(at: datetime, tz: tzinfo) -> str:
    """``2026-W49`` of a stored timestamp in the desk's time zone."""
    iso = utc(at).astimezone(tz).isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def add(conn: Connection, counts: Counter[Key]) -> None:
    """Add ``counts`` inside the caller's transaction (the one that deletes the rows they stand for)."""
    for key, n in sorted(counts.items()):
        if key.metric not in METRICS:
            raise ValueError(f"unknown metric {key.metric!r}")
        where = [getattr(daily_counts.c, field) == value for field, value in key._asdict().items()]
        changed = conn.execute(update(daily_counts).where(*where).values(count=daily_counts.c.count + n)).rowcount
        if not changed:
            conn.execute(insert(daily_counts).values(**key._asdict(), count=n))


def read(engine: Engine, metric: str, start: date, end: date) -> Counter[Key]:
    """The counts of ``metric`` for the days ``start`` to ``end`` (inclusive)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(daily_counts).where(
                daily_counts.c.metric == metric, daily_counts.c.day >= start, daily_counts.c.day <= end
            )
        ).all()
    return Counter(
        {Key(r.day, r.metric, r.dimension, r.language, r.score, r.week): int(r._mapping["count"]) for r in rows}
    )
