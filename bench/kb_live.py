"""Knowledge editing figures: edit-to-searchable time across processes, import/export, gap clustering.

1. Starts an action server and two web services on one fresh SQLite database (no Rasa needed), publishes an
   article through the editor API, then edits its title N times. After each PUT it polls all three
   processes at once until each returns the new title: the web services through ``/api/knowledge/search``,
   the action server through its ``/webhook`` running ``action_respond`` as Rasa would.
   Printed: p50 / p95 / max per process and for "all three".
2. Import of the 60 article files into an empty database, export to files, re-import (unchanged).
3. 1,000 gap questions (300 xSID commands + 700 Microsoft 365 support titles from ../shared/data):
   embedding them, and clustering them as ``GET /api/knowledge/gaps`` does.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from datetime import UTC
from pathlib import Path

import httpx

from bench.common import percentile
from desk import article_files, gaps
from desk.runtime import Desk
from knowledge.articles import load_articles
from knowledge.embedder import SentenceTransformerEmbedder
from scripts.stack import Stack, free_port
from settings import ROOT, Settings

EDITS = 20
# Each probe is a real search (a query embedding, ~35 ms of CPU): probing three processes faster than this
# would itself eat the two cores the processes need.
PROBE_S = 0.1
EDITOR = {"username": "bench.editor", "password": "bench-editor-password", "display_name": "Bench", "roles": ["editor"]}
ADMIN = {"username": "admin", "password": "bench-admin-password"}
QUESTION = "Wie verbinde ich mein Notebook mit dem Beamer im Sitzungssaal?"
ARTICLE = {
    "slug": "beamer-sitzungssaal",
    "title": "Beamer im Sitzungssaal verbinden",
    "language": "de",
    "tags": ["beamer", "projektor", "sitzungssaal", "hdmi"],
    "owner": "Team Arbeitsplatz",
    "reviewed": "2026-11-27",
    "audience": "alle Beschäftigten",
    "questions": ["Wie verbinde ich den Beamer im Sitzungssaal?", "Laptop an den Beamer im Sitzungssaal anschließen"],
    "body": "Im Sitzungssaal zeigen Sie Präsentationen über den Beamer.\n\n## So gehen Sie vor\n"
    "1. Beamer am Bedienfeld einschalten.\n2. HDMI-Kabel am Rednerpult einstecken.\n3. Windows-Taste + P.\n",
}
DATA = ROOT.parent / "shared" / "data"


def action_call(text: str) -> dict:
    """What Rasa sends the action server for a fresh conversation's question."""
    return {
        "next_action": "action_respond",
        "sender_id": "bench-kb-live",
        "version": "3.6.21",
        "domain": {"responses": {}},
        "tracker": {
            "sender_id": "bench-kb-live",
            "slots": {"language": "de"},
            "latest_message": {
                "text": text,
                "intent": {"name": "it_request", "confidence": 1.0},
                "intent_ranking": [{"name": "it_request", "confidence": 1.0}],
                "entities": [],
            },
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


async def web_title(client: httpx.AsyncClient) -> str:
    hits = (await client.get("/api/knowledge/search", params={"q": QUESTION})).json()["hits"]
    return hits[0]["title"] if hits else ""


async def action_title(client: httpx.AsyncClient) -> str:
    body = (await client.post("/webhook", json=action_call(QUESTION))).json()
    for m in body.get("responses", []):
        custom = m.get("custom") or m.get("json_message") or {}
        if custom.get("slug") == ARTICLE["slug"]:
            return str(custom.get("title"))
        for button in m.get("buttons") or []:  # the decision may ask "Meinten Sie …?" instead
            if f'"{ARTICLE["slug"]}"' in str(button.get("payload", "")):
                return str(button.get("title"))
    return ""


async def wait_for(probe, client: httpx.AsyncClient, title: str, start: float) -> float:
    while await probe(client) != title:
        if time.monotonic() - start > 30:
            raise TimeoutError(f"{title!r} not searchable after 30 s")
        await asyncio.sleep(PROBE_S)
    return time.monotonic() - start


async def edit_to_searchable(settings: Settings, second_port: int) -> dict[str, list[float]]:
    web_a = settings.servers.web_url
    web_b = f"http://{settings.servers.host}:{second_port}"
    admin = httpx.AsyncClient(base_url=web_a, timeout=60)
    (await admin.post("/api/auth/login", json=ADMIN)).raise_for_status()
    admin.headers["X-CSRF-Token"] = (await admin.get("/api/auth/me")).json()["csrf_token"]
    (await admin.post("/api/users", json=EDITOR)).raise_for_status()
    editor = httpx.AsyncClient(base_url=web_a, timeout=60)
    resp = await editor.post("/api/auth/login", json={k: EDITOR[k] for k in ("username", "password")})
    editor.headers["X-CSRF-Token"] = resp.json()["csrf_token"]
    (await editor.post("/api/articles", json=ARTICLE)).raise_for_status()
    version = (await editor.post(f"/api/articles/{ARTICLE['slug']}/publish", json={})).json()["version"]
    clients = {
        "web service A (edited here)": (web_title, httpx.AsyncClient(base_url=web_a, timeout=60)),
        "web service B": (web_title, httpx.AsyncClient(base_url=web_b, timeout=60)),
        "action server": (action_title, httpx.AsyncClient(base_url=settings.servers.action_url, timeout=60)),
    }
    for probe, client in clients.values():  # published version visible everywhere before timing edits
        await wait_for(probe, client, str(ARTICLE["title"]), time.monotonic())
    times: dict[str, list[float]] = {name: [] for name in [*clients, "all three"]}
    for i in range(EDITS):
        title = f"Beamer im Sitzungssaal verbinden (Stand {i + 1})"
        resp = await editor.put(
            f"/api/articles/{ARTICLE['slug']}", json={**ARTICLE, "title": title, "version": version}
        )
        resp.raise_for_status()
        start = time.monotonic()
        version = resp.json()["version"]
        found = await asyncio.gather(*(wait_for(p, c, title, start) for p, c in clients.values()))
        for name, t in zip(clients, found, strict=True):
            times[name].append(t)
        times["all three"].append(max(found))
        await asyncio.sleep(0.3)
    for _, client in clients.values():
        await client.aclose()
    await admin.aclose()
    await editor.aclose()
    return times


def import_export(tmp: Path) -> None:
    settings = Settings.load(env={"SERVICEDESK_VAR_DIR": str(tmp / "ie")}, dotenv=tmp / "none.env")
    engine = Desk.open(settings.records, settings.tickets, settings.handoff).engine
    start = time.perf_counter()
    articles = load_articles(settings.knowledge.articles_dir)
    stats = article_files.import_articles(engine, articles)
    t_import = time.perf_counter() - start
    start = time.perf_counter()
    n = article_files.export_articles(engine, tmp / "export")
    t_export = time.perf_counter() - start
    same = all(
        (tmp / "export" / p.name).read_text(encoding="utf-8") == p.read_text(encoding="utf-8")
        for p in settings.knowledge.articles_dir.glob("*.md")
    )
    start = time.perf_counter()
    again = article_files.import_articles(engine, load_articles(tmp / "export"))
    t_again = time.perf_counter() - start
    print(
        f"\nImport of {len(articles)} article files into an empty database: {t_import:.2f} s ({stats.created} created)"
    )
    print(f"Export of {n} articles to files: {t_export:.2f} s; files identical to the originals: {same}")
    print(f"Re-import of the export: {t_again:.2f} s ({again.unchanged} unchanged, {again.updated} updated)")


def gap_questions() -> list[str]:
    lines = (DATA / "xsid-de-valid" / "de.valid.tsv").read_text(encoding="utf-8").splitlines()[1:]
    out = [line.split("\t")[1] for line in lines if "\t" in line][:300]
    seen = set(out)
    with (DATA / "ms-alchemyinsights-de" / "articles_de.jsonl").open(encoding="utf-8") as f:
        for line in f:
            title = json.loads(line)["title"].strip()
            if title and title not in seen:
                seen.add(title)
                out.append(title)
            if len(out) == 1000:
                break
    return out


def clustering(tmp: Path, settings: Settings) -> None:
    questions = gap_questions()
    embedder = SentenceTransformerEmbedder(settings.knowledge.model_path)
    embedder.embed_queries(["warm up"])
    start = time.perf_counter()
    vectors = embedder.embed_queries(questions)
    t_embed = time.perf_counter() - start
    gsettings = Settings.load(env={"SERVICEDESK_VAR_DIR": str(tmp / "gaps")}, dotenv=tmp / "none.env")
    desk = Desk.open(gsettings.records, gsettings.tickets, gsettings.handoff)
    for i, (q, v) in enumerate(zip(questions, vectors, strict=True)):
        gaps.record_gap(
            desk.engine, secret=desk.secret, conversation_id=f"c{i}", question=q, reason="none", language="de", vector=v
        )
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        found = gaps.open_gaps(desk.engine)
        report = gaps.clusters(found, UTC)
        runs.append(time.perf_counter() - start)
    sizes = [c["size"] for c in report]
    print(f"\nGap queue with {len(found)} questions (300 xSID commands + 700 M365 support titles):")
    each = t_embed / len(questions) * 1000
    print(f"  embedding them (once each, when recorded in production): {t_embed:.2f} s ({each:.1f} ms each)")
    print(
        f"  reading + clustering (GET /api/knowledge/gaps work), 5 runs: median {sorted(runs)[2] * 1000:.0f} ms, "
        f"max {max(runs) * 1000:.0f} ms -> {len(report)} clusters, largest {sizes[:5]}"
    )


def main() -> int:
    base = Settings.load()
    with tempfile.TemporaryDirectory(prefix="bench-kb-") as tmp_name:
        tmp = Path(tmp_name)
        settings = base.override(
            SERVICEDESK_VAR_DIR=str(tmp / "var"),
            SERVICEDESK_WEB_PORT=str(free_port()),  # free ports: nothing assumes a port is unused
            SERVICEDESK_RASA_PORT=str(free_port()),
            SERVICEDESK_ACTION_PORT=str(free_port()),
            SERVICEDESK_ADMIN_USER=ADMIN["username"],
            SERVICEDESK_ADMIN_PASSWORD=ADMIN["password"],
            SERVICEDESK_SECRET_KEY="bench-kb-live-secret",
        )
        second_port = free_port()
        first, second = Stack(settings), Stack(settings.override(SERVICEDESK_WEB_PORT=str(second_port)))
        print(f"Starting an action server and two web services on one database ({tmp}) ...", flush=True)
        first.start(only=("actions", "web"))
        second.start(only=("web",))
        try:
            for s in (first, second):
                deadline = time.monotonic() + 400
                while True:
                    code, body = s.health()
                    parts = body.get("parts", {})
                    if parts.get("knowledge_index", {}).get("ready") and parts.get("action_server", {}).get("ready"):
                        break
                    if s.dead() or time.monotonic() > deadline:
                        raise RuntimeError(f"not ready: {body}\n{s.log_tails()}")
                    time.sleep(1)
            times = asyncio.run(edit_to_searchable(settings, second_port))
        finally:
            first.stop()
            second.stop()
        print(f"\nEdit-to-searchable over {EDITS} edits (PUT sent -> a search there returns the new title;")
        print(f"probes every {PROBE_S * 1000:.0f} ms, so figures are up to that much late):")
        for name, values in times.items():
            ms = [v * 1000 for v in values]
            p50, p95 = percentile(ms, 50), percentile(ms, 95)
            print(f"  {name:30s} p50 {p50:5.0f} ms   p95 {p95:5.0f} ms   max {max(ms):5.0f} ms")
        import_export(tmp)
        clustering(tmp, base)
    return 0


if __name__ == "__main__":
    sys.exit(main())
