"""LISTEN/NOTIFY on a real PostgreSQL (collected only with ``SERVICEDESK_TEST_PG=1``: ``make test-pg``)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from desk import conversations
from desk.db import bump
from desk.notify import CounterWaiter
from desk.runtime import LazyDesk
from knowledge.source import StaticKnowledgeSource
from tests.conftest import desk_web_app
from tests.unit.web.test_web import rasa_mock
from web.live import Notifier


async def until(condition, timeout: float = 5.0) -> bool:  # noqa: ANN001 - a callable
    """Poll ``condition`` (readiness, never a fixed sleep)."""
    for _ in range(int(timeout / 0.02)):
        if condition():
            return True
        await asyncio.sleep(0.02)
    return condition()


@pytest.fixture
async def notifier(desk):  # noqa: ANN001, ANN201 - fixtures
    for conversation in ("conv-a", "conv-b"):
        conversations.ensure_conversation(desk.engine, conversation, "user-" + conversation)
    found = Notifier(LazyDesk.ready(desk))
    found.prime()

    async def no_polling() -> None:
        raise AssertionError("PostgreSQL is listened to, never polled")

    found.poll = no_polling  # type: ignore[method-assign]
    found.start()
    assert await until(lambda: found.listening)
    yield found
    await found.stop()


async def test_a_committed_message_wakes_its_waiter_and_a_rolled_back_one_nobody(desk, notifier) -> None:
    assert notifier.health() == (True, "listening")
    a = notifier.mark("conv-a")

    def rolled_back() -> None:
        with pytest.raises(RuntimeError), desk.engine.begin() as conn:
            conversations.insert_messages(conn, "conv-a", [("bot", "nie gesendet", {})])
            raise RuntimeError("the turn failed")

    await asyncio.to_thread(rolled_back)
    assert not await notifier.changed(0.5, a)  # NOTIFY is sent at commit only
    await asyncio.to_thread(conversations.add_message, desk.engine, "conv-a", "bot", "Bitte neu starten.")
    assert await notifier.changed(2.0, a)


async def test_the_listener_connects_again_and_wakes_everyone_after_losing_its_connection(desk, notifier) -> None:
    a, b = notifier.mark("conv-a"), notifier.mark("conv-b")
    with desk.engine.begin() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE query LIKE 'LISTEN %' AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    assert killed == 1
    assert await until(lambda: notifier.health() == (False, "not listening: connecting to the database"))
    assert await until(lambda: notifier.listening)  # connected again by itself
    assert a.is_set() and b.is_set()  # a signal may have been missed meanwhile: every waiter reads again
    a = notifier.mark("conv-a")
    await asyncio.to_thread(conversations.add_message, desk.engine, "conv-a", "bot", "Noch da.")
    assert await notifier.changed(2.0, a)


def test_the_knowledge_follower_wakes_for_its_counter_only(engine) -> None:  # noqa: ANN001 - fixture
    waiter = CounterWaiter(engine, "knowledge")
    try:
        assert waiter.wait(1.0)  # just connected: look once
        conversations.add_message(engine, "conv-a", "bot", "Hallo")
        with engine.begin() as conn:
            bump(conn, "escalations")
        assert not waiter.wait(0.3)
        with engine.begin() as conn:
            bump(conn, "knowledge")
        assert waiter.wait(2.0)
    finally:
        waiter.close()


async def test_health_names_the_live_updates_on_postgresql(desk, desk_settings, hashing_kb) -> None:  # noqa: ANN001
    """The web service starts serving once it listens (else /health would be 503 for its first moments)."""
    app = desk_web_app(desk, desk_settings, StaticKnowledgeSource(hashing_kb), rasa_mock, sweep_interval_s=3600)
    _, resp = await app.asgi_client.get("/health")
    assert resp.status == 200 and resp.json["parts"]["live_updates"] == {"ready": True, "detail": "listening"}
