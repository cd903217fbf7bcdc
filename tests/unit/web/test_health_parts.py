"""/health names the records database and the lock store's Redis when they do not answer (the kill -9 matrix)."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import create_engine

from knowledge.source import StaticKnowledgeSource
from scripts.stack import free_port
from settings import ROOT
from tests.conftest import fake_upstream, web_app
from web.health.service import database_ready, redis_lock_store, redis_ready


async def test_a_database_that_does_not_answer_is_named() -> None:
    engine = create_engine(f"postgresql+psycopg://nobody:x@127.0.0.1:{free_port()}/none", pool_pre_ping=True)
    try:
        ready, detail = await database_ready(engine)
    finally:
        engine.dispose()
    assert not ready and detail == "not reachable (OperationalError)"


async def test_redis_is_checked_with_ping() -> None:
    async def pong(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line = await reader.readline()
        writer.write(b"+PONG\r\n" if line == b"PING\r\n" else b"-ERR\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(pong, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        assert await redis_ready("127.0.0.1", port) == (True, "ok")
    finally:
        server.close()
        await server.wait_closed()
    assert await redis_ready("127.0.0.1", port) == (False, "not reachable (ConnectionRefusedError)")


def test_only_the_clusters_endpoints_keep_the_lock_store_in_redis() -> None:
    assert redis_lock_store(ROOT / "deploy" / "rasa" / "endpoints.yml")
    assert not redis_lock_store(ROOT / "bot" / "endpoints.yml")
    assert not redis_lock_store(ROOT / "no-such-endpoints.yml")


async def test_health_names_the_lock_store_and_the_database(settings, hashing_kb) -> None:
    def ok(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"model_id": "abc", "model_file": "servicedesk.tar.gz"})

    cluster = settings.override(
        SERVICEDESK_RASA_ENDPOINTS=str(ROOT / "deploy" / "rasa" / "endpoints.yml"),
        SERVICEDESK_REDIS_PORT=str(free_port()),
    )
    app = web_app(cluster, StaticKnowledgeSource(hashing_kb), upstream=fake_upstream(ok))
    _, resp = await app.asgi_client.get("/health")
    assert resp.status == 503 and resp.json["missing"] == ["lock_store"]
    assert resp.json["parts"]["database"] == {"ready": True, "detail": "sqlite"}
    assert resp.json["parts"]["lock_store"]["detail"] == "not reachable (ConnectionRefusedError)"
