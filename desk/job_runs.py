"""Runs of the background jobs (the purge): counted in the records database, so every instance reports the same.

``/metrics`` reads them (``servicedesk_purge_runs_total``, the time of the last success); a monitoring rule can
alert when the purge has not succeeded for longer than a few intervals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from desk.db import aware, job_runs, now


@dataclass(frozen=True)
class JobRuns:
    """How often a job ran and failed, and when it last succeeded and failed (``None``: never)."""

    runs: int = 0
    failures: int = 0
    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None


def record(engine: Engine, name: str, *, ok: bool, at: datetime | None = None) -> None:
    """Count one run of ``name`` (``ok``: it succeeded)."""
    moment = at or now()
    stamp = {"last_success_at": moment} if ok else {"last_failure_at": moment}
    failed = 0 if ok else 1
    with engine.begin() as conn:
        changed = conn.execute(
            update(job_runs)
            .where(job_runs.c.name == name)
            .values(runs=job_runs.c.runs + 1, failures=job_runs.c.failures + failed, **stamp)
        ).rowcount
    if changed:
        return
    try:
        with engine.begin() as conn:  # the first run ever
            conn.execute(insert(job_runs).values(name=name, runs=1, failures=failed, **stamp))
    except IntegrityError:  # another instance inserted it meanwhile: count on its row
        record(engine, name, ok=ok, at=moment)


def read(engine: Engine, name: str) -> JobRuns:
    """The figures of ``name`` (zeros when it never ran)."""
    with engine.connect() as conn:
        row = conn.execute(select(job_runs).where(job_runs.c.name == name)).first()
    if row is None:
        return JobRuns()
    return JobRuns(row.runs, row.failures, aware(row.last_success_at), aware(row.last_failure_at))
