"""Load on Rasa's REST webhook: N concurrent simulated employees, realistic German turns.

Starts its own stack on separate loopback ports (like the integration tests), runs N = 1, 8, 16
for a bounded number of conversations and seconds each, and prints turns/s, latency
p50/p95/p99 and the RSS of each process. Loopback only; every loop is bounded.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import percentile, tree_rss_mb
from scripts.stack import Stack, isolated_settings

GREETINGS = ["Hallo", "Guten Morgen", "Moin", "Hallo zusammen", "Guten Tag"]
REQUESTS = [
    "Mein Drucker druckt nicht mehr, die Aufträge bleiben hängen",
    "Ich habe mein Passwort vergessen",
    "VPN verbindet nicht, Fehler 809",
    "Outlook sagt mein Postfach ist voll",
    "Wie richte ich einen zweiten Bildschirm ein?",
    "Teams Anmeldung klappt nicht",
    "mein Rechner ist total langsam seit dem Update",
    "Wie beantrage ich eine neue Software?",
]
FOLLOW = ["Ja, danke", "hat geholfen", "Nein, hat nicht geholfen"]
THANKS = ["Danke!", "Vielen Dank", "Super, danke schön"]
BYE = ["Tschüss", "Auf Wiedersehen", "Schönen Tag noch"]

MAX_SECONDS = 60.0  # per concurrency level
MAX_CONVERSATIONS = 200  # per concurrency level


def conversation(rng: random.Random) -> list[str]:
    return [rng.choice(GREETINGS), rng.choice(REQUESTS), rng.choice(FOLLOW), rng.choice(THANKS), rng.choice(BYE)]


async def employee(
    client: httpx.AsyncClient,
    url: str,
    worker: int,
    deadline: float,
    budget: list[int],
    latencies: list[float],
    errors: list[str],
) -> None:
    rng = random.Random(worker)
    n = 0
    while time.monotonic() < deadline and budget[0] > 0:
        budget[0] -= 1
        sender = f"bench-{worker}-{n}-{time.monotonic_ns()}"
        n += 1
        for text in conversation(rng):
            t0 = time.perf_counter()
            try:
                resp = await client.post(url, json={"sender": sender, "message": text})
                resp.raise_for_status()
            except httpx.HTTPError as exc:
                errors.append(type(exc).__name__)
                continue
            latencies.append((time.perf_counter() - t0) * 1000)


async def level(url: str, n: int) -> tuple[float, list[float], list[str]]:
    latencies: list[float] = []
    errors: list[str] = []
    budget = [MAX_CONVERSATIONS]
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        t0 = time.monotonic()
        deadline = t0 + MAX_SECONDS
        await asyncio.gather(*(employee(client, url, w, deadline, budget, latencies, errors) for w in range(n)))
        elapsed = time.monotonic() - t0
    return elapsed, latencies, errors


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="sd-bench-"))
    settings = isolated_settings(tmp)  # free ports: nothing assumes a port is unused
    stack = Stack(settings)
    print("chat load: starting Rasa, action server and web service on loopback ...", flush=True)
    t0 = time.monotonic()
    stack.start()
    try:
        stack.wait_healthy(timeout=400)
        print(f"healthy after {time.monotonic() - t0:.0f} s (Rasa loads its model)\n", flush=True)
        url = f"{settings.servers.rasa_url}/webhooks/rest/webhook"
        print(
            f"{'N':>3} {'turns':>6} {'turns/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}  RSS MB "
            "(rasa / actions / web)"
        )
        for n in (1, 8, 16):
            elapsed, lat, errors = asyncio.run(level(url, n))
            rss = " / ".join(f"{tree_rss_mb(stack.procs[p].pid):.0f}" for p in ("rasa", "actions", "web"))
            print(
                f"{n:>3} {len(lat):>6} {len(lat) / elapsed:>8.1f} {percentile(lat, 50):>8.0f} "
                f"{percentile(lat, 95):>8.0f} {percentile(lat, 99):>8.0f} {len(errors):>7}  {rss}",
                flush=True,
            )
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
