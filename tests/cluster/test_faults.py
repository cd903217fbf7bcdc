"""Faults on the cluster: an instance killed hard while employees chat (the first case of the kill -9 matrix).

Employees write through nginx all the time; one web service gets SIGKILL. A request that was running on it may
fail (nginx does not send a POST twice), but every message the chat acknowledged (200 with its id) is stored, the
surviving instances stay healthy, and the employees go on writing through the other web service.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import httpx
import pytest
from sqlalchemy import select

from desk.db import messages, open_db
from scripts.cluster import INSTANCES, Cluster
from tests.integration.employee import Employee

pytestmark = pytest.mark.integration
WRITERS = 3  # a small load: two cores carry the two Rasa servers as well


def test_kill_9_of_one_web_service_under_load_loses_no_acknowledged_message(cluster: Cluster) -> None:
    base = cluster.settings.servers.web_url
    acknowledged: list[tuple[int, str]] = []
    failures: list[str] = []
    stop = threading.Event()

    def write(n: int) -> None:
        employee = Employee(cluster.settings, base_url=base)
        i = 0
        while not stop.is_set():
            text = f"Nachricht {i} von Schreiber {n}: Mein Drucker druckt nicht"
            try:
                resp = employee.http.post("/api/chat/messages", json={"text": text, "label": text})
            except httpx.HTTPError as exc:
                failures.append(type(exc).__name__)
                continue
            if resp.status_code == 200:
                acknowledged.append((resp.json()["user_message_id"], text))
            else:
                failures.append(str(resp.status_code))
            i += 1

    writers = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for t in writers:
        t.start()
    try:
        started = time.monotonic()
        while len(acknowledged) < 2 * WRITERS and time.monotonic() - started < 60:
            time.sleep(0.1)  # until the writers are under way
        before = len(acknowledged)
        victim = cluster.procs["web-1"]
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()
        killed_at = time.monotonic()
        while len(acknowledged) < before + 3 * WRITERS and time.monotonic() - killed_at < 60:
            time.sleep(0.2)
    finally:
        stop.set()
        for t in writers:
            t.join(timeout=90)
    after_kill = len(acknowledged) - before
    assert before >= WRITERS and after_kill >= 3 * WRITERS, (before, after_kill, failures)
    assert len(failures) <= WRITERS, failures  # at most the requests in flight on the killed instance

    assert not cluster.ready("web", 1)
    assert httpx.get(f"{base}/health", timeout=10).status_code == 200
    assert cluster.ready("web", 2)
    for kind in ("rasa", "actions"):
        assert all(cluster.ready(kind, n) for n in range(1, INSTANCES + 1)), kind

    engine = open_db(cluster.settings.records.db_url)
    try:
        ids = [message_id for message_id, _ in acknowledged]
        with engine.connect() as conn:
            rows = conn.execute(select(messages.c.id, messages.c.role, messages.c.text).where(messages.c.id.in_(ids)))
            stored = {r.id: (r.role, r.text) for r in rows}
        assert [stored.get(i) for i, _ in acknowledged] == [("user", text) for _, text in acknowledged]
    finally:
        engine.dispose()
        cluster.relaunch("web", 1)  # the next tests have both web services again
