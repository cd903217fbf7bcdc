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

from desk import conversations, escalations, incidents
from desk.db import messages
from tests.unit.actions.helpers import hold
from tests.unit.desk.test_incidents import AGENT, published

WRITERS = 6
EACH = 8


def slow_writer(engine: Engine, conversation: str, seed: int) -> None:
    pause = random.Random(seed)
    for n in range(EACH):
        with engine.begin() as conn:
            conversations.insert_messages(conn, conversation, [("bot", f"{seed}-{n}", {})])
            time.sleep(pause.uniform(0, 0.02))  # still uncommitted: others draw ids meanwhile


def follow(engine: Engine, names: list[str], writers: list[threading.Thread]) -> dict[str, list[int]]:
    """Read the conversations as clients do ("after the last id seen") until the writers are done."""
    seen: dict[str, list[int]] = {name: [] for name in names}
    while True:
        busy = any(w.is_alive() for w in writers)
        fresh = False
        for name, ids in seen.items():
            found = [m["id"] for m in conversations.messages_after(engine, name, ids[-1] if ids else 0)]
            ids += found
            fresh = fresh or bool(found)
        if not busy and not fresh:
            return seen
        time.sleep(0.002)


def stored_ids(engine: Engine, conversation: str) -> list[int]:
    with engine.connect() as conn:
        found = conn.execute(select(messages.c.id).where(messages.c.conversation_id == conversation)).scalars()
        return sorted(found)


def test_a_reader_resuming_after_the_last_id_misses_no_message_of_concurrent_writers(engine: Engine) -> None:
    conversation = "c-ordering"
    conversations.ensure_conversation(engine, conversation, "u1")
    writers = [threading.Thread(target=slow_writer, args=(engine, conversation, s)) for s in range(WRITERS)]
    for w in writers:
        w.start()
    seen = follow(engine, [conversation], writers)[conversation]
    assert seen == stored_ids(engine, conversation)  # every message, each once, in order
    assert len(seen) == WRITERS * EACH


def test_an_incident_update_to_many_conversations_keeps_each_in_order_beside_single_writers(engine: Engine) -> None:
    """The push takes one lock for all conversations; single writers go on around it, nobody deadlocks."""
    iid = published(engine)
    names = [f"c-sub{n}" for n in range(3)]
    for name in names:
        conversations.ensure_conversation(engine, name, "u-" + name)
        incidents.subscribe(engine, iid, name)
    writers = [threading.Thread(target=slow_writer, args=(engine, name, s)) for s, name in enumerate(names)]

    def push() -> None:
        for n in range(4):
            incidents.add_update(engine, iid, text=f"Stand {n}", next_update_at=None, account=AGENT)
            time.sleep(0.01)

    writers.append(threading.Thread(target=push))
    for w in writers:
        w.start()
    seen = follow(engine, names, writers)
    for name in names:
        assert seen[name] == stored_ids(engine, name)
        assert len(seen[name]) == EACH + 4  # its own messages and the four updates


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
