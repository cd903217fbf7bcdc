"""Messages of one conversation read as "id > the last one seen" never skip one, with writers in parallel.

On PostgreSQL (``make test-pg``) ids come from a sequence and, without the conversation's lock, a transaction that
drew a lower id could commit after one that drew a higher id (desk/ordering.py); these writers hold their
transaction open a moment after inserting to make exactly that likely.
"""

from __future__ import annotations

import random
import threading
import time
from types import SimpleNamespace

from sqlalchemy import Engine, select

from desk import conversations, escalations
from desk.db import messages
from tests.unit.actions.helpers import hold

WRITERS = 6
EACH = 8


def slow_writer(engine: Engine, conversation: str, seed: int) -> None:
    pause = random.Random(seed)
    for n in range(EACH):
        with engine.begin() as conn:
            conversations.insert_messages(conn, conversation, [("bot", f"{seed}-{n}", {})])
            time.sleep(pause.uniform(0, 0.02))  # still uncommitted: others draw ids meanwhile


def test_a_reader_resuming_after_the_last_id_misses_no_message_of_concurrent_writers(engine: Engine) -> None:
    conversation = "c-ordering"
    conversations.ensure_conversation(engine, conversation, "u1")
    writers = [threading.Thread(target=slow_writer, args=(engine, conversation, s)) for s in range(WRITERS)]
    for w in writers:
        w.start()
    seen: list[int] = []
    while any(w.is_alive() for w in writers) or len(seen) < WRITERS * EACH:
        fresh = conversations.messages_after(engine, conversation, seen[-1] if seen else 0)
        seen += [m["id"] for m in fresh]
        if not fresh and not any(w.is_alive() for w in writers):
            break
        time.sleep(0.002)
    for w in writers:
        w.join()
    with engine.connect() as conn:
        stored = conn.execute(select(messages.c.id).where(messages.c.conversation_id == conversation)).scalars()
        assert sorted(stored) == seen  # every message, each once, in order
    assert len(seen) == WRITERS * EACH


def reply_until_refused(engine: Engine, escalation_id: int, replies: list[int]) -> None:
    for n in range(20):
        try:
            replies.append(
                escalations.add_agent_message(engine, escalation_id, agent_id=None, text=f"Antwort {n}", data={})
            )
        except escalations.TransitionError:
            return


def test_an_agent_reply_racing_the_resolve_is_inside_the_handoff_or_refused(engine: Engine) -> None:
    """The reply lands inside (messages_from, messages_until] or is refused, never after the boundary."""
    conversation = "c-race"
    conversations.ensure_conversation(engine, conversation, "u1")
    conversations.add_message(engine, conversation, "user", "Drucker geht nicht")
    for round_ in range(5):
        esc = hold(SimpleNamespace(engine=engine), conversation)
        escalations.transition(engine, esc.id, allowed=("waiting",), to="claimed", agent_id=None, agent_name="A")
        replies: list[int] = []
        agent = threading.Thread(target=reply_until_refused, args=(engine, esc.id, replies))
        agent.start()
        time.sleep(0.01 * round_)
        done = escalations.transition(engine, esc.id, allowed=("claimed",), to="resolved")
        agent.join()
        assert done.messages_until is not None
        assert all(done.messages_from < r <= done.messages_until for r in replies)
