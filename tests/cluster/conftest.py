"""The cluster of ``make run-cluster``, started once per session on free ports (``make test-cluster``).

PostgreSQL (a throwaway server, durability off), Redis, two Rasa servers, two action servers, two web services and
nginx, exactly as ``scripts/cluster.py`` starts them, in a fresh folder under /tmp (removed afterwards).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.cluster import Cluster, Layout
from scripts.stack import RASA_MODEL
from settings import ROOT, Settings
from tests.integration.conftest import ADMIN

pytestmark = pytest.mark.integration
FAULT_TABLE = ROOT / "var" / "cluster" / "faults.json"
_faults: list[dict] = []


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    """The running cluster; its ``settings`` are the clients' view (web_url is nginx)."""
    if not RASA_MODEL.is_file():
        pytest.fail(f"no trained Rasa model at {RASA_MODEL}: run 'make build' first (make test-cluster does)")
    folder = Path(tempfile.mkdtemp(prefix="servicedesk-cluster-"))
    os.chmod(folder, 0o755)  # PostgreSQL (user postgres) and nginx's workers (nobody) work inside it
    layout = Layout.free()
    base = Settings.load().override(
        SERVICEDESK_PUBLIC_URL=f"http://127.0.0.1:{layout.public}",
        SERVICEDESK_SERVICE_HOURS="always",  # agents on duty whenever CI runs
        SERVICEDESK_ADMIN_USER=ADMIN["username"],
        SERVICEDESK_ADMIN_PASSWORD=ADMIN["password"],
        SERVICEDESK_SECRET_KEY="cluster-test-secret",
        SERVICEDESK_HANDOFF_TIMEOUT_S="600",
    )
    running = Cluster(base, folder, layout, fast_pg=True)
    try:
        running.start(timeout=500)
        yield running
    finally:
        running.stop()
        shutil.rmtree(folder, ignore_errors=True)


class NginxLog:
    """One of nginx's access logs (deploy/nginx/servicedesk.conf's format), read from a point on."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0

    def upstreams(self, method: str, uri: str) -> list[str]:
        """The upstream address of each ``method uri`` request logged since this object was made."""
        with self.path.open("rb") as fh:
            fh.seek(self.offset)
            lines = fh.read().decode(errors="replace").splitlines()
        wanted = f'"{method} {uri}" '
        return [_answered_by(line.split(wanted, 1)[1]) for line in lines if wanted in line]

    def answered_by(self) -> set[str]:
        """Every upstream that answered a request logged since this object was made (any method and path)."""
        with self.path.open("rb") as fh:
            fh.seek(self.offset)
            lines = fh.read().decode(errors="replace").splitlines()
        return {_answered_by(line.split('" ', 1)[1]) for line in lines if '" ' in line}


def _answered_by(rest: str) -> str:
    """From ``200 a:1, b:2 502, 200 0.01`` (status, every upstream tried, ...) the one that answered: ``b:2``."""
    for token in rest.split(" ")[1:]:
        if not token.endswith(","):
            return token
    raise AssertionError(f"no upstream in {rest!r}")


@pytest.fixture
def rasa_log(cluster: Cluster) -> NginxLog:
    """nginx's log of the loopback proxy in front of the Rasa servers, from now on."""
    return NginxLog(cluster.logs / "nginx-rasa.log")


@pytest.fixture
def web_log(cluster: Cluster) -> NginxLog:
    """nginx's log of the public side in front of the web services, from now on."""
    return NginxLog(cluster.logs / "nginx-web.log")


@pytest.fixture(scope="session")
def fault_table() -> list[dict]:
    """The rows of the kill -9 matrix (tests/cluster/test_faults.py); written and printed when the session ends."""
    return _faults


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The fault table: part killed, client errors during the outage, seconds until recovered, records lost."""
    if not _faults:
        return
    FAULT_TABLE.parent.mkdir(parents=True, exist_ok=True)
    FAULT_TABLE.write_text(json.dumps(_faults, indent=2, ensure_ascii=False) + "\n")
    write = terminalreporter.write_line
    write(f"\nkill -9 under load ({FAULT_TABLE.relative_to(ROOT)}):")
    write(f"{'part':10} {'errors/requests':>16} {'recovered s':>12}  {'lost':6} /health of the survivors while down")
    for row in _faults:
        errors = f"{row['client_errors_during_outage']}/{row['requests_during_outage']}"
        lost = sum(row["records_lost"].values())
        seconds = row["seconds_until_recovered"]
        write(f"{row['part']:10} {errors:>16} {seconds:>12}  {lost:<6} {row['health_while_down']}")
