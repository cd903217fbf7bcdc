"""Ask each part whether it is ready."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import Engine, text

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


def _select_one(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


async def database_ready(engine: Engine, timeout: float = 3.0) -> tuple[bool, str]:
    """The records database answers (a PostgreSQL that is down or restarting is named here, not hidden)."""
    try:
        await asyncio.wait_for(asyncio.to_thread(_select_one, engine), timeout)
    except TimeoutError:
        return False, f"no answer within {timeout:.0f} s"
    except Exception as exc:  # noqa: BLE001 - any driver error means: not reachable; its class names it
        return False, f"not reachable ({exc.__class__.__name__})"
    return True, engine.dialect.name


def redis_lock_store(endpoints: Path) -> bool:
    """Whether Rasa's endpoints file (SERVICEDESK_RASA_ENDPOINTS) keeps the lock store in Redis (the cluster)."""
    try:
        lock = (yaml.safe_load(endpoints.read_text()) or {}).get("lock_store") or {}
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(lock, dict) and "redis" in str(lock.get("type", "")).lower()


async def redis_ready(host: str, port: int, timeout: float = 2.0) -> tuple[bool, str]:
    """Redis answers PING (Rasa's lock store: without it no Rasa server takes a message)."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (OSError, TimeoutError) as exc:
        return False, f"not reachable ({exc.__class__.__name__})"
    try:
        writer.write(b"PING\r\n")
        await writer.drain()
        answer = await asyncio.wait_for(reader.readline(), timeout)
    except (OSError, TimeoutError) as exc:
        return False, f"no answer ({exc.__class__.__name__})"
    finally:
        writer.close()
    return (True, "ok") if answer.startswith(b"+PONG") else (False, "unexpected answer to PING")


async def check(
    *,
    rasa: RasaClient,
    http: httpx.AsyncClient,
    action_url: str,
    knowledge: KnowledgeSource,
    live: tuple[bool, str] | None = None,
    database: Engine | None = None,
    redis: tuple[str, int] | None = None,
) -> dict[str, Any]:
    """Overall status plus one line per part.

    ``live``: the live updates' line (PostgreSQL only); ``database``: the records' engine; ``redis``: where Rasa's
    lock store lives, when it is in Redis.
    """
    parts = {
        "rasa": await rasa.status(),
        "action_server": await action_server_ready(http, action_url),
        "knowledge_index": index_ready(knowledge),
    }
    if database is not None:
        parts["database"] = await database_ready(database)
    if redis is not None:
        parts["lock_store"] = await redis_ready(*redis)
    if live is not None:
        parts["live_updates"] = live
    ok = all(ready for ready, _ in parts.values())
    return {
        "status": "ok" if ok else "unavailable",
        "parts": {name: {"ready": ready, "detail": detail} for name, (ready, detail) in parts.items()},
        "missing": [name for name, (ready, _) in parts.items() if not ready],
    }
