"""``make eval-chat``: what an employee gets through the real chat, on the labelled chat set.

Each labelled message is sent as a new conversation through Rasa's REST webhook of a running stack
(started here on free ports unless ``--rasa-url``/``--web-url`` name one), and every fourth one also through
the web service's chat API as the widget sends it. "ja"/"nein"-type lines are sent after an answered
IT question, because that is where they matter. Prints the table per half and language and writes the
figures and every line's outcome to ``var/eval/``.

Usage: ``python -m scripts.eval_chat [--split dev|test|both] [--rasa-url URL --web-url URL]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import httpx

from knowledge import chatset
from knowledge.chat_grading import Observed, format_table, grade, load_templates, observe, summary
from scripts.stack import Stack, isolated_settings
from settings import ROOT, Settings

PRIMER = {"de": "Mein Drucker druckt nicht mehr, die Aufträge bleiben hängen", "en": "My printer does not print"}
IN_FLOW = {"affirm", "deny"}
WEB_EVERY = 4  # every fourth line also through the web chat API (≥ 50 per half)
CONCURRENCY = 4


class RestPath:
    """Rasa's REST webhook: one sender id per conversation."""

    name = "rasa-rest"

    def __init__(self, client: httpx.AsyncClient, rasa_url: str) -> None:
        """``rasa_url`` is Rasa's base URL."""
        self.client, self.url = client, f"{rasa_url}/webhooks/rest/webhook"

    async def conversation(self) -> str:
        """A fresh conversation id."""
        return f"eval-{uuid.uuid4().hex}"

    async def say(self, conversation: str, text: str) -> list[dict]:
        """The bot's replies to one message."""
        resp = await self.client.post(self.url, json={"sender": conversation, "message": text})
        resp.raise_for_status()
        return list(resp.json())


class WebPath:
    """The web service's chat API, as the widget uses it: a session token, then messages."""

    name = "web-chat-api"

    def __init__(self, client: httpx.AsyncClient, web_url: str) -> None:
        """``web_url`` is the web service's base URL."""
        self.client, self.url = client, web_url

    async def conversation(self) -> str:
        """A new anonymous session (its conversation starts with the first message)."""
        resp = await self.client.post(f"{self.url}/api/chat/session", json={})
        resp.raise_for_status()
        return str(resp.json()["session"])

    async def say(self, conversation: str, text: str) -> list[dict]:
        """The stored bot messages answering one message."""
        resp = await self.client.post(
            f"{self.url}/api/chat/messages", json={"text": text}, headers={"Authorization": f"Bearer {conversation}"}
        )
        resp.raise_for_status()
        return [{"text": m.get("text"), **(m.get("data") or {})} for m in resp.json()["messages"] if m["role"] == "bot"]


async def run_line(path: RestPath | WebPath, line: chatset.ChatLine, templates: dict) -> Observed:
    """Send one labelled line as a new conversation (after a primer for yes/no lines)."""
    conversation = await path.conversation()
    if line.expected in IN_FLOW:
        primed = observe(await path.say(conversation, PRIMER[line.lang]), templates)
        if primed.outcome != "answer":
            return Observed("primer_failed")
    return observe(await path.say(conversation, line.text), templates)


async def run_all(path: RestPath | WebPath, lines: list[chatset.ChatLine], templates: dict) -> list[Observed]:
    """All lines, a few at a time."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(line: chatset.ChatLine) -> Observed:
        async with gate:
            return await run_line(path, line, templates)

    return list(await asyncio.gather(*(one(line) for line in lines)))


def actions_line(observed: list[Observed]) -> str:
    """How many messages end in a self-service action (the unlock or a request offered or started), by kind."""
    kinds = Counter(a.split(":")[0] for got in observed for a in got.actions)
    k = sum(1 for got in observed if got.actions)
    share = 100 * k / len(observed) if observed else 0.0
    return (
        f"self-service action offered or started: {k}/{len(observed)} = {share:.1f} % ("
        + ", ".join(f"{name} {n}" for name, n in sorted(kinds.items()))
        + ")\n"
    )


async def evaluate(split: str, rasa_url: str, web_url: str, out_dir: Path) -> str:
    """Run one half through both paths; return the printed tables."""
    lines = chatset.load(split)
    templates = load_templates()
    web_lines = lines[::WEB_EVERY]
    async with httpx.AsyncClient(timeout=60) as client:
        t0 = time.monotonic()
        rest = await run_all(RestPath(client, rasa_url), lines, templates)
        web = await run_all(WebPath(client, web_url), web_lines, templates)
        elapsed = time.monotonic() - t0
    report = []
    for path_name, subset, observed in (("Rasa REST webhook", lines, rest), ("web chat API", web_lines, web)):
        graded = [(line, grade(line, got)) for line, got in zip(subset, observed, strict=True)]
        figures = summary(graded)
        title = f"{split} half, {len(subset)} messages, through the {path_name}"
        report.append(format_table(title, figures))
        report.append(actions_line(observed))
        key = "rest" if path_name.startswith("Rasa") else "web"
        (out_dir / f"chat-{split}-{key}.json").write_text(
            json.dumps(
                {
                    "split": split,
                    "path": path_name,
                    "figures": figures,
                    "lines": [
                        {**asdict(line), "got": asdict(got), "grade": g}
                        for (line, g), got in zip(graded, observed, strict=True)
                    ],
                },
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
    report.append(f"({len(lines) + len(web_lines)} conversations in {elapsed:.0f} s)\n")
    return "\n".join(report)


def declare(settings: Settings, key: str) -> None:
    """Publish one incident of the incident set in the stack's records, as a lead would (then wait for the poll)."""
    from desk import incidents  # noqa: PLC0415 - only with --incident
    from desk.accounts import Account  # noqa: PLC0415
    from desk.db import open_db  # noqa: PLC0415
    from scripts.fit_incident_match import incidents_of  # noqa: PLC0415

    (found,) = [i for i in incidents_of() if i["key"] == key]
    lead = Account(id=0, username="eval-chat", display_name="eval-chat", roles=("lead",))
    engine = open_db(settings.records.db_url)
    draft = incidents.Draft(
        title=found["title"],
        symptoms=found["symptoms"],
        status_text=found["status_text"],
        workaround=found.get("workaround") or "",
        services=tuple(found.get("services") or ()),
    )
    incidents.publish(engine, incidents.create(engine, draft, account=lead), account=lead)
    engine.dispose()
    print(f"eval-chat: incident {key!r} is active", flush=True)
    time.sleep(1.0)


def main(argv: list[str] | None = None) -> int:
    """Start a stack (unless given) and evaluate the requested halves."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test", "both"), default="both")
    parser.add_argument("--rasa-url", help="use this running Rasa instead of starting a stack")
    parser.add_argument("--web-url", help="the running web service that belongs to --rasa-url")
    parser.add_argument(
        "--incident",
        metavar="KEY",
        help="declare and publish this incident of tests/data/incidents/incidents.yml first (own stack only): "
        "unrelated questions must be answered as without it",
    )
    args = parser.parse_args(argv)
    if args.incident and args.rasa_url:
        parser.error("--incident needs the stack this command starts")
    out_dir = ROOT / "var" / "eval"
    out_dir.mkdir(parents=True, exist_ok=True)
    stack = None
    if args.rasa_url and args.web_url:
        rasa_url, web_url = args.rasa_url.rstrip("/"), args.web_url.rstrip("/")
    else:
        settings = isolated_settings(Path(tempfile.mkdtemp(prefix="sd-eval-")))
        stack = Stack(settings)
        print("eval-chat: starting Rasa, action server and web service on free loopback ports ...", flush=True)
        stack.start()
        rasa_url, web_url = settings.servers.rasa_url, settings.servers.web_url
    try:
        if stack is not None:
            stack.wait_healthy(timeout=400)
            if args.incident:
                declare(stack.settings, args.incident)
        for split in ("dev", "test") if args.split == "both" else (args.split,):
            print(asyncio.run(evaluate(split, rasa_url, web_url, out_dir)), flush=True)
    finally:
        if stack is not None:
            stack.stop()
    print(f"per-line results: {out_dir}/chat-<half>-<path>.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
