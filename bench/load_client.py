"""Simulated employees for the throughput benchmark: Rasa's REST webhook or the web service's chat API.

The shared load generator (``../shared/tools/loadgen.py``) drives the REST webhook closed-loop; this
client adds what it cannot: the web chat API the widget uses (a chat session, its Bearer token,
``POST /api/chat/messages``), arrivals spread over time (the Monday burst) and long conversations.
An empty reply counts as an error. Loopback only; every loop is bounded by a deadline or a count.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from bench.common import percentile

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
# Monday 8:00: five phrasings of the same outage question, then a follow-up and a goodbye.
OUTAGE = [
    "Outlook geht nicht, ich bekomme keine Mails",
    "E-Mail funktioniert seit heute früh nicht",
    "Mein Postfach lädt nicht, Outlook hängt",
    "Ich kann keine E-Mails senden",
    "Outlook verbindet sich nicht mit dem Server",
]


def knowledge_conversations(count: int, seed: int = 7) -> list[list[str]]:
    """German knowledge conversations of 5 turns: greeting, question, feedback, thanks, goodbye."""
    rng = random.Random(seed)
    return [
        [rng.choice(GREETINGS), rng.choice(REQUESTS), rng.choice(FOLLOW), rng.choice(THANKS), rng.choice(BYE)]
        for _ in range(count)
    ]


def outage_conversation(rng: random.Random) -> list[str]:
    """One employee on the outage morning."""
    return [rng.choice(OUTAGE), rng.choice(FOLLOW), rng.choice(BYE)]


@dataclass
class Tally:
    """Latencies of the successful turns (ms) and the errors by kind."""

    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        """Count one failed turn."""
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def summary(self, seconds: float) -> dict[str, float | int | dict[str, int]]:
        """Turns per second over ``seconds`` and the latency percentiles."""
        lat = self.latencies
        return {
            "turns": len(lat),
            "turns_per_s": round(len(lat) / seconds, 1) if seconds else 0.0,
            "p50_ms": round(percentile(lat, 50), 1),
            "p95_ms": round(percentile(lat, 95), 1),
            "p99_ms": round(percentile(lat, 99), 1),
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
        }


class Entry:
    """One way in: ``rest`` (Rasa's webhook) or ``web`` (the widget's chat API)."""

    def __init__(self, kind: str, base: str, client: httpx.AsyncClient) -> None:
        self.kind, self.base, self.client = kind, base.rstrip("/"), client

    async def start(self) -> dict[str, str]:
        """A new conversation: a fresh sender id, or a new chat session's Bearer token."""
        if self.kind == "rest":
            return {"sender": f"bench-{uuid.uuid4().hex}"}
        resp = await self.client.post(f"{self.base}/api/chat/session", json={})
        resp.raise_for_status()
        return {"Authorization": f"Bearer {resp.json()['session']}"}

    async def turn(self, conversation: dict[str, str], text: str) -> bool:
        """Send one message; True when the assistant replied with something."""
        if self.kind == "rest":
            resp = await self.client.post(
                f"{self.base}/webhooks/rest/webhook", json={"sender": conversation["sender"], "message": text}
            )
            resp.raise_for_status()
            return bool(resp.json())
        resp = await self.client.post(
            f"{self.base}/api/chat/messages", json={"text": text, "label": text}, headers=conversation
        )
        resp.raise_for_status()
        return bool(resp.json().get("messages"))


async def talk(
    path: Entry, turns: Sequence[str], tally: Tally, think: tuple[float, float] | None, rng: random.Random
) -> None:
    """One conversation, turn after turn; stops at the first failed turn (as an employee would)."""
    try:
        conversation = await path.start()
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        tally.error(f"start:{type(exc).__name__}")
        return
    for i, text in enumerate(turns):
        if think and i:
            await asyncio.sleep(rng.uniform(*think))
        t0 = time.perf_counter()
        try:
            replied = await path.turn(conversation, text)
        except httpx.HTTPStatusError as exc:
            tally.error(f"HTTP {exc.response.status_code}")  # 502: the web service got no answer from Rasa in time
            return
        except (httpx.HTTPError, ValueError) as exc:
            tally.error(type(exc).__name__)
            return
        if not replied:
            tally.error("empty reply")
            continue
        tally.latencies.append((time.perf_counter() - t0) * 1000)


def client(connections: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(timeout=30, limits=limits)


async def closed_loop(kind: str, base: str, users: int, seconds: float, script: list[list[str]]) -> dict:
    """``users`` employees without think time, each starting the next scripted conversation at once."""
    tally = Tally()
    rng = random.Random(users)
    async with client(users) as http:
        path = Entry(kind, base, http)
        deadline = time.monotonic() + seconds
        counter = iter(range(10**9))

        async def user() -> None:
            while time.monotonic() < deadline:
                await talk(path, script[next(counter) % len(script)], tally, None, rng)

        t0 = time.monotonic()
        await asyncio.gather(*(user() for _ in range(users)))
        return tally.summary(time.monotonic() - t0)


async def arrivals(
    kind: str, base: str, employees: int, within: float, think: tuple[float, float], seed: int = 1
) -> dict:
    """``employees`` outage conversations starting evenly spread over ``within`` seconds."""
    tally = Tally()
    rng = random.Random(seed)
    async with client(min(employees, 300)) as http:
        path = Entry(kind, base, http)

        async def employee(i: int) -> None:
            await asyncio.sleep(within * i / employees)
            await talk(path, outage_conversation(rng), tally, think, rng)

        t0 = time.monotonic()
        await asyncio.gather(*(employee(i) for i in range(employees)))
        return tally.summary(time.monotonic() - t0)


async def long_conversation(kind: str, base: str, turns: int, repeats: int) -> list[list[float]]:
    """Latency (ms) of every turn of ``repeats`` sequential conversations ``turns`` long."""
    script = [t for conv in knowledge_conversations(turns) for t in conv[1:3]][:turns]
    out: list[list[float]] = []
    async with client(1) as http:
        path = Entry(kind, base, http)
        for _ in range(repeats):
            conversation = await path.start()
            times = []
            for text in script:
                t0 = time.perf_counter()
                await path.turn(conversation, text)
                times.append((time.perf_counter() - t0) * 1000)
            out.append(times)
    return out
