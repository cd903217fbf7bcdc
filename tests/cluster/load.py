"""The running load of the fault tests: employees chatting through nginx, and the records clients wait for.

Twenty conversations (threads) write through nginx with a short think time, every fourth one to the end with a
CSAT rating; one more client keeps the records busy: an employee in a claimed escalation writes, the agent
answers, the editor saves an article, and once per case the agent turns a waiting escalation into a ticket.
Every request is logged with its time and outcome (the client errors of an outage); every acknowledgement is
kept with what it promised, and :func:`lost` looks each one up in the database afterwards.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import Engine, select

from bench.load_client import knowledge_conversations
from desk.db import article_versions, csat_ratings, messages, tickets

THINK = (0.5, 1.5)  # seconds between an employee's turns: 20 conversations on two cores with two Rasa servers
PRINTER = "Mein Drucker druckt nicht mehr, die Aufträge bleiben hängen"
RATED = "Vielen Dank für Ihre Bewertung"
CSAT_SCRIPT: list[tuple[str, str | None]] = [
    (PRINTER, None),
    ("/affirm", "👍 Ja"),
    ("Tschüss", None),
    ('/csat{"csat_score": "4"}', "🙂 4 – zufrieden"),
]


@dataclass(frozen=True)
class Ack:
    """One acknowledgement a client got: what kind of record, its key, and what must be stored."""

    kind: str  # message | csat | reply | article | ticket
    key: Any
    expected: Any


@dataclass
class Load:
    """The clients of one fault case; ``start`` and ``stop`` them, then read ``outcomes`` and ``acks``."""

    base: str
    conversations: int
    records: RecordsClient | None = None
    outcomes: list[tuple[float, bool, str]] = field(default_factory=list)  # (time, acknowledged, what)
    acks: list[Ack] = field(default_factory=list)
    turns: dict[int, list[float]] = field(default_factory=dict)  # acknowledged chat turns per conversation
    stopping: threading.Event = field(default_factory=threading.Event)
    ticket_wanted: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        """Every client begins; returns at once."""
        for n in range(self.conversations):
            self.turns[n] = []
            self._threads.append(threading.Thread(target=self._chat, args=(n,), daemon=True))
        if self.records is not None:
            self._threads.append(threading.Thread(target=self._records, daemon=True))
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        """End every client after its current request."""
        self.stopping.set()
        for t in self._threads:
            t.join(timeout=120)

    def note(self, ok: bool, what: str) -> None:
        self.outcomes.append((time.monotonic(), ok, what))

    def errors(self, since: float, until: float) -> dict[str, int]:
        """Failed client requests between two moments, by kind (status code or exception)."""
        out: dict[str, int] = {}
        for at, ok, what in list(self.outcomes):
            if not ok and since <= at <= until:
                out[what] = out.get(what, 0) + 1
        return out

    def requests(self, since: float, until: float) -> int:
        return sum(1 for at, _, _ in list(self.outcomes) if since <= at <= until)

    def chatting_since(self, moment: float) -> int:
        """How many conversations had an acknowledged turn after ``moment``."""
        return sum(1 for times in self.turns.values() if times and times[-1] > moment)

    def _chat(self, n: int) -> None:
        rng = random.Random(n)
        with httpx.Client(base_url=self.base, timeout=60) as http:
            while not self.stopping.is_set():
                chat = knowledge_conversations(1, rng.randrange(10**6))[0]
                script: list[tuple[str, str | None]] = CSAT_SCRIPT if n % 4 == 0 else [(t, None) for t in chat]
                self._conversation(n, http, script, rng)

    def _conversation(
        self, n: int, http: httpx.Client, script: list[tuple[str, str | None]], rng: random.Random
    ) -> None:
        """One conversation in a new chat session; abandoned at the first failed request (the employee reloads)."""
        resp = self._post(http, "/api/chat/session", {}, "session")
        if resp is None:
            time.sleep(rng.uniform(*THINK))
            return
        headers = {"Authorization": f"Bearer {resp.json()['session']}"}
        for text, label in script:
            if self.stopping.is_set():
                return
            time.sleep(rng.uniform(*THINK))
            resp = self._post(http, "/api/chat/messages", {"text": text, "label": label or text}, "chat", headers)
            if resp is None:
                return
            body = resp.json()
            self.turns[n].append(time.monotonic())
            self.acks.append(Ack("message", body["user_message_id"], {text, label or text}))
            if text.startswith("/csat") and RATED in " ".join(m.get("text", "") for m in body["messages"]):
                self.acks.append(Ack("csat", body["user_message_id"], 4))

    def _post(
        self, http: httpx.Client, path: str, body: dict, what: str, headers: dict | None = None
    ) -> httpx.Response | None:
        """A POST whose outcome is logged; the response when it was acknowledged (2xx), else None."""
        try:
            resp = http.post(path, json=body, headers=headers)
        except httpx.HTTPError as exc:
            self.note(False, f"{what}:{type(exc).__name__}")
            return None
        ok = 200 <= resp.status_code < 300
        self.note(ok, what if ok else f"{what}:{resp.status_code}")
        return resp if ok else None

    def _records(self) -> None:
        records = self.records
        assert records is not None
        k = 0
        while not self.stopping.is_set():
            k += 1
            records.round(self, k)
            time.sleep(0.5)


@dataclass
class RecordsClient:
    """The staff side of the load: an agent in a claimed escalation, an editor, and escalations to ticket."""

    employee: httpx.Client  # the employee of the claimed escalation (Bearer session)
    agent: httpx.Client
    editor: httpx.Client
    escalation: int  # claimed by ``agent``
    article: dict[str, Any]  # the editor's article (slug and fields)
    version: int
    to_ticket: list[int] = field(default_factory=list)  # waiting escalations the agent turns into tickets

    def round(self, load: Load, k: int) -> None:
        """One message each way, one article save, and a ticket when the case asks for one."""
        text = f"Fehlerbericht {k}: der Drucker zeigt weiter Fehler 50"
        resp = load._post(self.employee, "/api/chat/messages", {"text": text, "label": text}, "escalation")
        if resp is not None:
            load.acks.append(Ack("message", resp.json()["user_message_id"], {text}))
        text = f"Antwort {k}: bitte starten Sie den Drucker neu"
        resp = load._post(self.agent, f"/api/escalations/{self.escalation}/messages", {"text": text}, "reply")
        if resp is not None:
            load.acks.append(Ack("reply", resp.json()["message"]["id"], {text}))
        body = self.article | {"version": self.version, "body": f"{self.article['body']}\nStand {k}.\n"}
        try:
            resp = self.editor.put(f"/api/articles/{self.article['slug']}", json=body)
            load.note(resp.status_code == 200, "article" if resp.status_code == 200 else f"article:{resp.status_code}")
        except httpx.HTTPError as exc:
            load.note(False, f"article:{type(exc).__name__}")
            resp = None
        if resp is not None and resp.status_code == 200:
            self.version = resp.json()["version"]
            load.acks.append(Ack("article", (self.article["slug"], self.version), f"Stand {k}."))
        elif resp is not None and resp.status_code == 409:
            self.version = resp.json().get("current", {}).get("version", self.version)
        if load.ticket_wanted.is_set() and self.to_ticket:
            resp = load._post(self.agent, f"/api/escalations/{self.to_ticket[0]}/ticket", {}, "ticket")
            if resp is not None:
                load.acks.append(Ack("ticket", resp.json()["ticket_number"], self.to_ticket.pop(0)))


def lost(engine: Engine, acks: list[Ack]) -> dict[str, int]:
    """Acknowledged records not (or not as acknowledged) in the database, by kind; every kind acknowledged is named."""
    out = {kind: 0 for kind in sorted({a.kind for a in acks})}
    m, c, v = messages.c, csat_ratings.c, article_versions.c
    with engine.connect() as conn:
        ids = [a.key for a in acks if a.kind in ("message", "reply")]
        stored = {r.id: r.text for r in conn.execute(select(m.id, m.text).where(m.id.in_(ids)))}
        rated = [a.key for a in acks if a.kind == "csat"]
        conv = {r.id: r.conversation_id for r in conn.execute(select(m.id, m.conversation_id).where(m.id.in_(rated)))}
        rows = conn.execute(select(c.conversation_id, c.score).where(c.conversation_id.in_(list(conv.values()))))
        scores = {r.conversation_id: r.score for r in rows}
        versions = {(r.slug, r.version): r.source for r in conn.execute(select(v.slug, v.version, v.source))}
        numbers = {r.number: r.escalation_id for r in conn.execute(select(tickets.c.number, tickets.c.escalation_id))}
    for a in acks:
        if a.kind in ("message", "reply"):
            kept = stored.get(a.key) in a.expected
        elif a.kind == "csat":
            kept = scores.get(conv.get(a.key, "")) == a.expected
        elif a.kind == "article":
            kept = a.expected in versions.get(a.key, "")
        else:
            kept = numbers.get(a.key) == a.expected
        out[a.kind] += 0 if kept else 1
    return out
