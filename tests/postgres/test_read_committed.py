"""State changes that read and then write, with a concurrent writer on PostgreSQL's READ COMMITTED."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

from sqlalchemy import select, update

from desk import conversations, incidents
from desk.db import escalations, incident_subscriptions
from desk.db import incidents as incidents_table
from tests.unit.actions.helpers import hold
from tests.unit.desk.test_incidents import published


def test_a_subscription_during_an_update_gets_that_update_or_is_delivered_it(engine) -> None:  # noqa: ANN001
    """The update's transaction holds the incident; the subscription waits for it and starts from its revision
    (without the share lock it read the old revision and the update skipped it: it was not committed yet)."""
    iid = published(engine)
    conversations.ensure_conversation(engine, "c-late", "u1")
    done: list[bool] = []
    with engine.begin() as conn:
        conn.execute(
            update(incidents_table).where(incidents_table.c.id == iid).values(revision=incidents_table.c.revision + 1)
        )
        subscriber = threading.Thread(target=lambda: done.append(incidents.subscribe(engine, iid, "c-late")))
        subscriber.start()
        time.sleep(0.3)  # it reads the incident now, before the update commits
        revision = conn.execute(select(incidents_table.c.revision).where(incidents_table.c.id == iid)).scalar_one()
    subscriber.join()
    assert done == [True]
    with engine.connect() as conn:
        notified = conn.execute(select(incident_subscriptions.c.notified_revision)).scalar_one()
    assert notified == revision


def test_two_processes_asking_for_a_person_at_once_make_one_escalation(engine) -> None:  # noqa: ANN001
    """Both find no active escalation before they write; the conversation's lock lets the second find the first."""
    for n in range(5):
        conversation = f"c-twice{n}"
        conversations.ensure_conversation(engine, conversation, "u1")
        start = threading.Barrier(2)
        made: list[int] = []

        def ask(conversation: str = conversation, start: threading.Barrier = start, made: list[int] = made) -> None:
            start.wait()
            made.append(hold(SimpleNamespace(engine=engine), conversation).id)

        both = [threading.Thread(target=ask) for _ in range(2)]
        for t in both:
            t.start()
        for t in both:
            t.join()
        with engine.connect() as conn:
            rows = conn.execute(select(escalations.c.id).where(escalations.c.conversation_id == conversation)).all()
        assert len(rows) == 1 and made == [rows[0].id] * 2
