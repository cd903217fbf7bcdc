"""The figures every instance shares, read from the records database at each scrape.

Escalations by state, the knowledge revision (the counter that grows with every change that matters to search),
the runs of the purge and of the surge detection, the open surges. Read in one short connection; nothing here is
per person.
"""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from desk import job_runs
from desk.db import counter, incident_surges
from desk.db import escalations as escalation_rows
from desk.escalations import STATUSES
from desk.job_runs import JobRuns
from desk.retention import LEASE as PURGE
from desk.surges import LEASE as SURGES
from web.metrics.registry import family


def shared_figures(engine: Engine) -> list[str]:
    """The database's families in the text format."""
    with engine.connect() as conn:
        rows = conn.execute(select(escalation_rows.c.status, func.count()).group_by(escalation_rows.c.status))
        found: dict[str, int] = {str(status): int(n) for status, n in rows}
        revision = counter(conn, "knowledge")
        open_surges = int(
            conn.execute(
                select(func.count()).select_from(incident_surges).where(incident_surges.c.status == "open")
            ).scalar_one()
        )
    purge = job_runs.read(engine, PURGE)
    states = {state: int(found.get(state, 0)) for state in STATUSES}
    out = family(
        "servicedesk_escalations",
        "gauge",
        "Escalations in the records by state (the purge removes closed ones after their period).",
        [({"state": state}, n) for state, n in states.items()],
    )
    out += family(
        "servicedesk_knowledge_revision",
        "gauge",
        "Revision of the published knowledge (grows with every change that matters to search).",
        [({}, revision)],
    )
    out += _job("purge", "the retention purge", purge, "hourly and make purge; dry runs are not counted")
    out += _job("surge", "the surge detection", job_runs.read(engine, SURGES), "one instance at a time")
    out += family(
        "servicedesk_surges_open",
        "gauge",
        "Surges the console shows now: many similar questions no active incident explains.",
        [({}, open_surges)],
    )
    return out


def _job(name: str, what: str, runs: JobRuns, note: str) -> list[str]:
    """A background job's runs by result and the times of its last success and failure."""
    return (
        family(
            f"servicedesk_{name}_runs_total",
            "counter",
            f"Runs of {what} ({note}), by result.",
            [({"result": "success"}, runs.runs - runs.failures), ({"result": "failure"}, runs.failures)],
        )
        + family(
            f"servicedesk_{name}_last_success_timestamp_seconds",
            "gauge",
            f"When {what} last succeeded (Unix time; 0: never).",
            [({}, runs.last_success_at.timestamp() if runs.last_success_at else 0)],
        )
        + family(
            f"servicedesk_{name}_last_failure_timestamp_seconds",
            "gauge",
            f"When {what} last failed (Unix time; 0: never).",
            [({}, runs.last_failure_at.timestamp() if runs.last_failure_at else 0)],
        )
    )
