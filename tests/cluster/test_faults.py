"""The kill -9 matrix: one part of the cluster killed hard under load, one at a time, then started again alone.

Twenty conversations chat through nginx (``tests/cluster/load.py``) while the records are written too: CSAT ratings,
an employee's and an agent's messages in an escalation, article saves, a ticket. One part gets SIGKILL (its whole
process group: PostgreSQL with every backend): a Rasa server, an action server, a web service, Redis, PostgreSQL.
Each case checks that nothing acknowledged to a client is missing from the database, that the survivors' /health
stays 200 or names exactly what is missing, that the part rejoins without a restart of the others, and that the
conversations go on. The client errors during the outage, the seconds until everything answers again and the
records lost go into the fault table (``var/cluster/faults.json``, printed at the end of the session).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from desk.db import open_db
from scripts.cluster import INSTANCES, Cluster
from tests.cluster.conftest import NginxLog
from tests.cluster.load import Load, RecordsClient, lost
from tests.integration.conftest import ensure_user, staff_client
from tests.integration.employee import Employee
from tests.integration.test_handoff_stack import AGENT, Agent, escalate, own_id
from tests.integration.test_knowledge_live import BEAMER, EDITOR

pytestmark = pytest.mark.integration
CONVERSATIONS = 20
# The order: the quick cases first; each starts from a healthy cluster (the previous case waited for it).
CASES = [("web", 1), ("redis", 1), ("postgres", 1), ("actions", 1), ("rasa", 1)]
# What the web services' /health may name while a part is down (empty: it stays 200).
MAY_BE_MISSING = {
    "web": set(),
    "rasa": set(),
    "actions": set(),
    "redis": {"lock_store"},
    "postgres": {"database", "live_updates"},
}
MUST_BE_MISSING = {"redis": "lock_store", "postgres": "database"}
KINDS = {"message", "reply", "csat", "article", "ticket"}  # what the load has acknowledged by the end of a case
NGINX_LOG = {"web": "nginx-web.log", "rasa": "nginx-rasa.log", "actions": "nginx-actions.log"}
ARTICLE = BEAMER | {"slug": "drucker-fehler-50-stoerung", "title": "Drucker zeigt Fehler 50"}


def wait_until(ready: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll until ``ready()``; the moment it was (monotonic)."""
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.2)
    return time.monotonic()


def health(url: str) -> tuple[int, list[str]]:
    """An instance's /health: status code and the parts it names as missing (-1: no answer)."""
    try:
        resp = httpx.get(f"{url}/health", timeout=10)
    except httpx.HTTPError:
        return -1, []
    return resp.status_code, resp.json().get("missing", [])


def web_survivors(cluster: Cluster, part: str, n: int) -> list[str]:
    return [cluster.instance_url("web", i) for i in range(1, INSTANCES + 1) if (part, n) != ("web", i)]


def everything_ready(cluster: Cluster) -> bool:
    kinds = ("web", "rasa", "actions")
    return all(cluster.ready(kind, i) for kind in kinds for i in range(1, INSTANCES + 1)) and all(
        health(url)[0] == 200 for url in web_survivors(cluster, "", 0)
    )


@pytest.fixture(scope="module")
def records(cluster: Cluster) -> Iterator[RecordsClient]:
    """An agent with a claimed escalation, an editor with a saved article (what the records client writes)."""
    base = cluster.settings.servers.web_url
    ensure_user(base, AGENT, ["agent"])
    ensure_user(base, EDITOR, ["editor"])
    agent, editor = staff_client(base, AGENT), staff_client(base, EDITOR)
    employee = Employee(cluster.settings, base_url=base)
    escalate(employee)
    eid = own_id(_Agent(agent), employee)
    assert agent.post(f"/api/escalations/{eid}/claim").status_code == 200
    created = editor.post("/api/articles", json=ARTICLE)
    assert created.status_code == 201, created.text
    client = RecordsClient(employee.http, agent, editor, eid, ARTICLE, created.json()["version"])
    yield client
    for http in (agent, editor, employee.http):
        http.close()


def _Agent(http: httpx.Client) -> Agent:  # noqa: N802 - stands for the class
    """``own_id`` wants an :class:`Agent`; it uses only its ``http`` (logged in already)."""
    agent = Agent.__new__(Agent)
    agent.http = http
    return agent


def waiting_escalation(cluster: Cluster, agent: httpx.Client) -> int:
    """A new escalation in the queue, for the agent to turn into a ticket during the outage."""
    employee = Employee(cluster.settings, base_url=cluster.settings.servers.web_url)
    try:
        escalate(employee)
        return own_id(_Agent(agent), employee)
    finally:
        employee.close()


def name(part: str, n: int) -> str:
    return part if part in ("redis", "postgres") else f"{part}-{n}"


@pytest.mark.parametrize(("part", "n"), CASES, ids=[name(p, n) for p, n in CASES])
def test_kill_9_under_load_loses_nothing_acknowledged(
    cluster: Cluster, records: RecordsClient, fault_table: list[dict], part: str, n: int
) -> None:
    base = cluster.settings.servers.web_url
    assert everything_ready(cluster)
    records.to_ticket = [waiting_escalation(cluster, records.agent)]
    load = Load(base, CONVERSATIONS, records)
    began = time.monotonic()
    load.start()
    try:
        wait_until(lambda: load.chatting_since(began) == CONVERSATIONS, 180, "every conversation under way")
        others = {k: p.pid for k, p in cluster.procs.items() if k != name(part, n)}
        killed = time.monotonic()
        cluster.kill(part, n)
        load.ticket_wanted.set()
        during = _health_while_down(cluster, part, n)
        cluster.restart(part, n)
        ready = wait_until(lambda: everything_ready(cluster), 300, f"{part}-{n} back, every instance healthy")
        if part in NGINX_LOG:  # rejoined: nginx, which left it out after its failures, sends it requests again
            log, address = NginxLog(cluster.logs / NGINX_LOG[part]), cluster.instance_url(part, n).split("//")[1]
            ready = wait_until(lambda: address in log.answered_by(), 60, f"nginx passing requests to {part}-{n}")
        recovered = wait_until(lambda: load.chatting_since(ready) > 0, 120, "a chat turn after the restart")
        # the conversations go on: every one of them has a turn acknowledged after the restart
        wait_until(lambda: load.chatting_since(ready) == CONVERSATIONS, 180, "every conversation continues")
        wait_until(lambda: not records.to_ticket, 60, "the ticket acknowledged")
        wait_until(lambda: {a.kind for a in load.acks} == KINDS, 120, f"each of {sorted(KINDS)} acknowledged")
    finally:
        load.stop()
    # nothing else was restarted: the same processes, all still running
    assert {k: p.pid for k, p in cluster.procs.items() if k in others} == others
    assert all(cluster.procs[k].poll() is None for k in others)
    engine = open_db(cluster.settings.records.db_url)
    try:
        missing = lost(engine, load.acks)
    finally:
        engine.dispose()
    errors = load.errors(killed, recovered)
    row = {
        "part": name(part, n),
        "requests_during_outage": load.requests(killed, recovered),
        "client_errors_during_outage": sum(errors.values()),
        "error_kinds": errors,
        "seconds_until_recovered": round(recovered - killed, 1),
        "health_while_down": during,
        "acknowledged": {kind: sum(1 for a in load.acks if a.kind == kind) for kind in missing},
        "records_lost": missing,
    }
    fault_table.append(row)
    print(f"\n{row}")
    assert set(missing) == KINDS, row  # every kind was acknowledged and looked up
    assert sum(missing.values()) == 0, row
    assert load.errors(recovered + 5, time.monotonic()) == {}, load.errors(recovered + 5, time.monotonic())


def _health_while_down(cluster: Cluster, part: str, n: int) -> str:
    """Poll the surviving web services' /health until it shows the outage as expected; what it said."""
    survivors = web_survivors(cluster, part, n)
    if part in MUST_BE_MISSING:
        needed = MUST_BE_MISSING[part]
        wait_until(
            lambda: all(needed in health(url)[1] for url in survivors), 30, f"/health names {needed} while it is down"
        )
    else:
        assert not cluster.ready(part, n)
    said = [health(url) for url in survivors]
    for status, missing in said:
        assert set(missing) <= MAY_BE_MISSING[part], said
        assert status == (503 if missing else 200), said
    status, missing = said[0]
    return f"{status}" + (f" missing: {', '.join(missing)}" if missing else "")
