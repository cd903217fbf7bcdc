"""The purge's runs are counted in the records database (for /metrics): successes, failures, never dry runs."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from desk import job_runs, retention
from settings import Retention

TZ = ZoneInfo("Europe/Berlin")


def test_runs_and_failures_are_counted_with_their_last_times(desk) -> None:  # noqa: ANN001
    assert job_runs.read(desk.engine, "purge") == job_runs.JobRuns()
    first = datetime(2026, 12, 1, 8, tzinfo=UTC)
    job_runs.record(desk.engine, "purge", ok=True, at=first)
    job_runs.record(desk.engine, "purge", ok=False, at=datetime(2026, 12, 1, 9, tzinfo=UTC))
    job_runs.record(desk.engine, "purge", ok=True, at=datetime(2026, 12, 1, 10, tzinfo=UTC))
    job_runs.record(desk.engine, "other", ok=True, at=first)
    assert job_runs.read(desk.engine, "purge") == job_runs.JobRuns(
        runs=3,
        failures=1,
        last_success_at=datetime(2026, 12, 1, 10, tzinfo=UTC),
        last_failure_at=datetime(2026, 12, 1, 9, tzinfo=UTC),
    )


def test_a_purge_counts_itself_a_dry_run_does_not_and_a_failure_is_counted(desk, monkeypatch) -> None:  # noqa: ANN001
    retention.purge(desk.engine, Retention(), tz=TZ, dry_run=True)
    assert job_runs.read(desk.engine, retention.LEASE).runs == 0
    retention.purge(desk.engine, Retention(), tz=TZ)
    done = job_runs.read(desk.engine, retention.LEASE)
    assert done.runs == 1 and done.failures == 0 and done.last_success_at is not None

    def broken(*_args: object, **_kwargs: object) -> dict[str, int]:
        raise RuntimeError("database gone")

    monkeypatch.setattr(retention, "_purge", broken)
    with pytest.raises(RuntimeError):
        retention.purge(desk.engine, Retention(), tz=TZ)
    failed = job_runs.read(desk.engine, retention.LEASE)
    assert failed.runs == 2 and failed.failures == 1 and failed.last_failure_at is not None
    assert failed.last_success_at == done.last_success_at
