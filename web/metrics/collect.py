"""The figures every instance shares, read from the records database at each scrape.

Escalations by state, the knowledge revision (the counter that grows with every change that matters to search)
and the purge's runs. Read in one short connection; nothing here is per person.
"""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from desk import job_runs
from desk.db import counter
from desk.db import escalations as escalation_rows
from desk.escalations import STATUSES
from desk.retention import LEASE as PURGE
from web.metrics.registry import family


def shared_figures(engine: Engine) -> list[str]:
    """The database's families in the text format."""
    with engine.connect() as conn:
        rows = conn.execute(select(escalation_rows.c.status, func.count()).group_by(escalation_rows.c.status))
        found: dict[str, int] = {str(status): int(n) for status, n in rows}
        revision = counter(conn, "knowledge")
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
    out += family(
        "servicedesk_purge_runs_total",
        "counter",
        "Runs of the retention purge (hourly and make purge; dry runs are not counted), by result.",
        [({"result": "success"}, purge.runs - purge.failures), ({"result": "failure"}, purge.failures)],
    )
    out += family(
        "servicedesk_purge_last_success_timestamp_seconds",
        "gauge",
        "When the retention purge last succeeded (Unix time; 0: never).",
        [({}, purge.last_success_at.timestamp() if purge.last_success_at else 0)],
    )
    out += family(
        "servicedesk_purge_last_failure_timestamp_seconds",
        "gauge",
        "When the retention purge last failed (Unix time; 0: never).",
        [({}, purge.last_failure_at.timestamp() if purge.last_failure_at else 0)],
    )
    return out
