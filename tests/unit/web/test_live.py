"""The change notifier: a message wakes only its own conversation's waiters; consoles hear everything."""

from __future__ import annotations

from desk import conversations
from desk.db import bump
from desk.runtime import LazyDesk
from web.live import Notifier


async def test_a_message_wakes_only_its_own_conversations_waiters(desk) -> None:
    for conversation in ("conv-a", "conv-b"):
        conversations.ensure_conversation(desk.engine, conversation, "user-" + conversation)
    notifier = Notifier(LazyDesk.ready(desk))
    notifier.prime()
    a, b, console = notifier.mark("conv-a"), notifier.mark("conv-b"), notifier.mark()
    assert notifier.mark("conv-a") is a  # two clients of one conversation share its event

    conversations.add_messages(desk.engine, "conv-a", [("user", "Drucker druckt nicht", {})])
    await notifier.poll()
    assert a.is_set() and console.is_set()
    assert not b.is_set()

    # A new mark for a conversation after its wake-up waits for the next change.
    again = notifier.mark("conv-a")
    assert again is not a and not again.is_set()
    await notifier.poll()  # nothing new
    assert not again.is_set() and not b.is_set()


async def test_an_escalation_change_wakes_every_chat_waiter(desk) -> None:
    notifier = Notifier(LazyDesk.ready(desk))
    notifier.prime()
    a, b = notifier.mark("conv-a"), notifier.mark("conv-b")
    with desk.engine.begin() as conn:
        bump(conn, "escalations")
    await notifier.poll()
    assert a.is_set() and b.is_set()


async def test_a_conversation_nobody_waits_on_is_not_kept(desk) -> None:
    import gc

    notifier = Notifier(LazyDesk.ready(desk))
    notifier.prime()
    notifier.mark("conv-gone")
    gc.collect()
    assert "conv-gone" not in notifier._conversations


async def test_a_message_after_the_newest_ones_were_purged_still_wakes_its_waiter(desk) -> None:
    """The purge and an erase delete the newest messages too; the next message must not hide below the id
    the notifier has seen (it did with SQLite's reused ids: the widget got no more pushes)."""
    from sqlalchemy import delete

    from desk.db import messages

    for conversation in ("conv-a", "conv-b"):
        conversations.ensure_conversation(desk.engine, conversation, "user-" + conversation)
    notifier = Notifier(LazyDesk.ready(desk))
    notifier.prime()
    conversations.add_messages(desk.engine, "conv-a", [("user", "Drucker druckt nicht", {})] * 3)
    await notifier.poll()
    with desk.engine.begin() as conn:
        conn.execute(delete(messages).where(messages.c.conversation_id == "conv-a"))
    b = notifier.mark("conv-b")
    conversations.add_messages(desk.engine, "conv-b", [("user", "Hallo", {})])
    await notifier.poll()
    assert b.is_set()


async def test_an_incident_change_wakes_the_banner_waiters_only(desk) -> None:
    notifier = Notifier(LazyDesk.ready(desk))
    notifier.prime()
    banner, chat = notifier.incidents_mark(), notifier.mark("conv-a")
    await notifier.poll()  # nothing changed
    assert not banner.is_set()
    with desk.engine.begin() as conn:
        bump(conn, "incidents")
    await notifier.poll()
    assert banner.is_set() and not chat.is_set()
    assert notifier.incidents_mark() is not banner and not notifier.incidents_mark().is_set()


async def test_a_started_notifier_wakes_a_waiter_when_another_writer_adds_its_message(desk) -> None:
    """Polling on SQLite, LISTEN/NOTIFY on PostgreSQL (``make test-pg``): the same waiters wake, the others not."""
    import asyncio

    for conversation in ("conv-a", "conv-b"):
        conversations.ensure_conversation(desk.engine, conversation, "user-" + conversation)
    notifier = Notifier(LazyDesk.ready(desk))
    notifier.prime()
    notifier.start()
    try:
        await asyncio.sleep(0.3)  # connected (PostgreSQL) or polled once: the first wake-up is behind us
        a, b, console = notifier.mark("conv-a"), notifier.mark("conv-b"), notifier.mark()
        await asyncio.to_thread(conversations.add_message, desk.engine, "conv-a", "bot", "Bitte neu starten.")
        assert await notifier.changed(2.0, a)
        assert console.is_set() and not b.is_set()
        b = notifier.mark("conv-b")
        with desk.engine.begin() as conn:
            bump(conn, "escalations")
        assert await notifier.changed(2.0, b)
    finally:
        await notifier.stop()
