"""Ask each part whether it is ready."""

from __future__ import annotations

from typing import Any

import httpx

from knowledge.source import KnowledgeSource
from web.rasa import RasaClient


async def action_server_ready(http: httpx.AsyncClient, action_url: str) -> tuple[bool, str]:
    """The action server answers its health endpoint."""
    try:
        resp = await http.get(f"{action_url}/health", timeout=3.0)
    except httpx.HTTPError as exc:
        return False, f"not reachable ({exc.__class__.__name__})"
    return (True, "ok") if resp.status_code == 200 else (False, f"HTTP {resp.status_code}")


def index_ready(knowledge: KnowledgeSource) -> tuple[bool, str]:
    """This process has the knowledge index loaded."""
    if knowledge.ready:
        damaged = sorted(knowledge.damaged)
        # A damaged article is skipped, not fatal: the index serves the rest, and the detail names it.
        extra = f"; damaged (skipped): {', '.join(damaged[:20])}" if damaged else ""
        return True, f"{len(knowledge.get())} articles{extra}"
    return False, f"not loaded: {knowledge.error}" if knowledge.error else "loading"


async def check(
    *,
    rasa: RasaClient,
    http: httpx.AsyncClient,
    action_url: str,
    knowledge: KnowledgeSource,
    live: tuple[bool, str] | None = None,
) -> dict[str, Any]:
    """Overall status plus one line per part; ``live``: the live updates' line (PostgreSQL only)."""
    parts = {
        "rasa": await rasa.status(),
        "action_server": await action_server_ready(http, action_url),
        "knowledge_index": index_ready(knowledge),
    }
    if live is not None:
        parts["live_updates"] = live
    ok = all(ready for ready, _ in parts.values())
    return {
        "status": "ok" if ok else "unavailable",
        "parts": {name: {"ready": ready, "detail": detail} for name, (ready, detail) in parts.items()},
        "missing": [name for name, (ready, _) in parts.items() if not ready],
    }
