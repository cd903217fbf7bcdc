"""Live takeover latency: from the agent's claim to the employee seeing the first agent message.

Starts its own stack on loopback (Rasa, action server, web service) plus a second web service on the same
database, lets N employees escalate through the real chat (Rasa form included), and for each one: the
employee long-polls ``/api/chat/events``; the agent claims and replies at once. Printed per path
(agent and employee on the same web instance / on two instances): p50 / p95 / max of
claim → "verbunden" notice, claim → first agent message, and reply POST → message received.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import percentile
from desk import conversations
from desk.db import open_db
from desk.identity import read_session
from scripts.stack import Stack, free_port, isolated_settings
from settings import Settings

RUNS = 30  # per path
DB: list[str] = []
ADMIN = {"username": "admin", "password": "bench-admin-password"}
AGENT = {
    "username": "bench.agent",
    "password": "bench-agent-password",
    "display_name": "Team Bench",
    "roles": ["agent"],
}
FORM = ["Ich möchte mit einem Mitarbeiter sprechen", "Mein Bildschirm flackert", "/skip", "/skip", "/skip"]


async def login(base: str, account: dict) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=60)
    resp = await client.post("/api/auth/login", json={"username": account["username"], "password": account["password"]})
    resp.raise_for_status()
    client.headers["X-CSRF-Token"] = resp.json()["csrf_token"]
    return client


async def escalate(base: str) -> tuple[httpx.AsyncClient, int]:
    employee = httpx.AsyncClient(base_url=base, timeout=60)
    resp = await employee.post("/api/chat/session", json={})
    employee.headers["Authorization"] = f"Bearer {resp.json()['session']}"
    last = 0
    for text in FORM:
        resp = await employee.post("/api/chat/messages", json={"text": text})
        resp.raise_for_status()
        body = resp.json()
        last = max([last, body["user_message_id"], *(m["id"] for m in body["messages"])])
    if body["handoff"] != "waiting":
        raise RuntimeError(f"not queued: {body}")
    return employee, last


def _conversation(employee: httpx.AsyncClient) -> str:
    """The conversation the server keeps for this chat session (clients never see its id)."""
    session = read_session(b"bench-secret", employee.headers["Authorization"].split()[1])
    assert session is not None and DB
    found = conversations.current(open_db(DB[0]), session.user(b"bench-secret"))
    assert found is not None
    return found


async def watch(employee: httpx.AsyncClient, after: int, seen: dict[str, float]) -> None:
    """Long-poll like the chat page until the agent's message arrives; note when each kind arrived."""
    while "agent" not in seen:
        resp = await employee.get("/api/chat/events", params={"after": after})
        for m in resp.json()["messages"]:
            after = max(after, m["id"])
            if m["role"] == "system" and "verbunden" in m["text"]:
                seen.setdefault("connected", time.perf_counter())
            if m["role"] == "agent":
                seen.setdefault("agent", time.perf_counter())


async def one(employee_base: str, agent: httpx.AsyncClient) -> tuple[float, float, float]:
    employee, last = await escalate(employee_base)
    conversation = _conversation(employee)
    queue = (await agent.get("/api/escalations", params={"status": "waiting"})).json()["escalations"]
    eid = 0
    for e in queue:
        if (await agent.get(f"/api/escalations/{e['id']}")).json()["conversation_id"] == conversation:
            eid = e["id"]
    seen: dict[str, float] = {}
    watcher = asyncio.create_task(watch(employee, last, seen))
    await asyncio.sleep(0.3)  # the employee's long-poll is waiting, as in the browser
    t_claim = time.perf_counter()
    (await agent.post(f"/api/escalations/{eid}/claim")).raise_for_status()
    t_reply = time.perf_counter()
    (
        await agent.post(f"/api/escalations/{eid}/messages", json={"text": "Guten Tag, ich übernehme."})
    ).raise_for_status()
    await asyncio.wait_for(watcher, 60)
    await agent.post(f"/api/escalations/{eid}/resolve")
    await employee.aclose()
    ms = 1000
    return (seen["connected"] - t_claim) * ms, (seen["agent"] - t_claim) * ms, (seen["agent"] - t_reply) * ms


async def measure(settings: Settings, second_port: int) -> None:
    base = settings.servers.web_url
    second = f"http://{settings.servers.host}:{second_port}"
    admin = await login(base, ADMIN)
    await admin.post("/api/users", json=AGENT)
    print(
        f"{'path':<34} {'runs':>4}  {'claim→notice p50/p95':>21}  {'claim→agent msg p50/p95/max':>28}  "
        f"{'reply→seen p50/p95':>19}"
    )
    for label, agent_base in (("same instance", base), ("agent on a second instance", second)):
        agent = await login(agent_base, AGENT)
        rows = [await one(base, agent) for _ in range(RUNS)]
        connected, first, delivery = ([r[i] for r in rows] for i in range(3))
        print(
            f"{label:<34} {len(rows):>4}  {percentile(connected, 50):>9.0f} / {percentile(connected, 95):>5.0f} ms"
            f"  {percentile(first, 50):>10.0f} / {percentile(first, 95):>5.0f} / {max(first):>5.0f} ms"
            f"  {percentile(delivery, 50):>7.0f} / {percentile(delivery, 95):>5.0f} ms",
            flush=True,
        )
        await agent.aclose()
    await admin.aclose()


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="sd-bench-handoff-"))
    settings = isolated_settings(  # free ports: nothing assumes a port is unused
        tmp,
        SERVICEDESK_SERVICE_HOURS="always",
        SERVICEDESK_ADMIN_PASSWORD=ADMIN["password"],
        SERVICEDESK_SECRET_KEY="bench-secret",
    )
    DB[:] = [settings.records.db_url]
    stack = Stack(settings)
    second_port = free_port()
    second = Stack(settings.override(SERVICEDESK_WEB_PORT=str(second_port)))
    print("handoff latency: starting the stack and a second web service on loopback ...", flush=True)
    stack.start()
    second.start(only=("web",))
    try:
        stack.wait_healthy(timeout=400)
        second.wait_healthy(timeout=400)
        asyncio.run(measure(settings, second_port))
    finally:
        second.stop()
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
