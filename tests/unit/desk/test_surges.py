"""Surge detection: the window, the threshold, the trend, dismissing for good, incidents that explain it, the lease."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import insert, select

from desk import incidents, job_runs, retention, surge_window, surges
from desk.accounts import Account
from desk.db import incident_matches, incident_surges, messages
from desk.incidents import Draft
from settings import Retention
from settings.surges import Surges

T0 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
CONFIG = Surges()  # 15 messages from >= 10 conversations in 10 minutes
AGENT = Account(id=1, username="agent1", display_name="Anna", roles=("agent",))
LEAD = Account(id=2, username="lead1", display_name="Lea", roles=("lead",))
BEEP = "Das Zeiterfassungsterminal am Eingang piept nur"
PRINTER = "Der Drucker im zweiten Stock druckt nicht"


class TopicEmbedder:
    """One axis per topic word, and a little of the text's length, so wordings of one topic are close, not equal."""

    TOPICS = ("piept", "drucker", "mail")
    dimension = 4
    fingerprint = "topics"

    def __init__(self) -> None:
        self.calls = 0

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in zip(out, texts, strict=True):
            for i, word in enumerate(self.TOPICS):
                row[i] = 1.0 if word in text.lower() else 0.0
            row[3] = 0.05 * (len(text) % 5) + 0.01
            row /= np.linalg.norm(row)
        return out

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.embed_queries(texts)


def post(engine, conversation: str, text: str, at: datetime, **data: object) -> None:
    """A message as the chat stores it (already redacted), at a given time."""
    with engine.begin() as conn:
        conn.execute(
            insert(messages).values(conversation_id=conversation, role="user", text=text, data=data, created_at=at)
        )


def burst(engine, text: str, count: int, conversations: int, start: datetime, prefix: str = "c") -> None:
    """``count`` wordings of ``text`` from ``conversations`` conversations, one a ~20 seconds from ``start``."""
    for i in range(count):
        post(engine, f"{prefix}{i % conversations}", f"{text} ({'!' * (i % 7)}{i})", start + timedelta(seconds=20 * i))


def run(engine, at: datetime, embedder: TopicEmbedder | None = None) -> surges.Run:
    return surges.detect(engine, embedder or TopicEmbedder(), CONFIG, keep_days=30, at=at)


def test_fifteen_similar_messages_from_ten_conversations_make_one_surge(engine) -> None:
    burst(engine, BEEP, 15, 10, T0)
    burst(engine, PRINTER, 6, 6, T0, prefix="p")  # another topic, too few: not part of it, not a surge
    done = run(engine, T0 + timedelta(minutes=6))
    assert (done.messages, done.groups, done.open) == (21, 1, 1)
    (found,) = surges.listing(engine)
    assert (found["count"], found["conversations"]) == (15, 10)
    assert all("piept" in e for e in found["examples"]) and 1 <= len(found["examples"]) <= surge_window.EXAMPLES
    assert found["label"] == found["suggestion"]["title"] == found["examples"][0]
    assert found["suggestion"]["symptoms"].split("\n") == found["examples"]
    assert found["first_seen"] == T0.isoformat()
    assert found["last_seen"] == (T0 + timedelta(seconds=20 * 14)).isoformat()


@pytest.mark.parametrize(("count", "conversations"), [(14, 10), (15, 9)])
def test_below_the_threshold_is_no_surge(engine, count: int, conversations: int) -> None:
    burst(engine, BEEP, count, conversations, T0)
    assert run(engine, T0 + timedelta(minutes=6)).open == 0
    assert surges.listing(engine) == []


def test_only_the_window_counts_and_buttons_commands_and_thanks_do_not(engine) -> None:
    burst(engine, BEEP, 10, 10, T0 - timedelta(minutes=30))  # long before the window
    burst(engine, BEEP, 10, 10, T0 + timedelta(minutes=5), prefix="n")
    for i in range(10):
        post(engine, f"b{i}", f"{BEEP} ja", T0 + timedelta(minutes=6), payload="/affirm")
        post(engine, f"s{i}", f"/restart {BEEP}", T0 + timedelta(minutes=6))
        post(engine, f"t{i}", "danke piept", T0 + timedelta(minutes=6))
    assert run(engine, T0 + timedelta(minutes=9)).messages == 10
    assert surges.listing(engine) == []


def test_the_trend_counts_per_minute_and_compares_the_halves() -> None:
    since = T0
    times = [T0 + timedelta(seconds=30)] + [T0 + timedelta(minutes=8, seconds=s) for s in range(0, 60, 10)]
    found = surge_window.trend(times, since, 10)
    assert found["per_minute"] == [1, 0, 0, 0, 0, 0, 0, 0, 6, 0]
    assert (found["earlier"], found["recent"], found["direction"]) == (1, 6, "rising")
    assert surge_window.trend(times[:1] * 4 + times[1:5], since, 10)["direction"] == "steady"
    assert surge_window.trend(times[:1] * 6, since, 10)["direction"] == "falling"


def test_a_dismissed_surge_stays_hidden_while_the_same_questions_go_on(engine) -> None:
    burst(engine, BEEP, 15, 10, T0)
    run(engine, T0 + timedelta(minutes=6))
    (found,) = surges.listing(engine)
    assert surges.dismiss(engine, found["id"], username="agent1")
    assert not surges.dismiss(engine, found["id"], username="agent1")  # a retry
    with pytest.raises(LookupError):
        surges.dismiss(engine, 999, username="agent1")
    burst(engine, BEEP, 20, 12, T0 + timedelta(minutes=7), prefix="d")
    assert run(engine, T0 + timedelta(minutes=14)).groups == 1
    assert surges.listing(engine) == []
    with engine.connect() as conn:
        rows = conn.execute(select(incident_surges.c.status, incident_surges.c.messages)).all()
    assert [(r.status, r.messages) for r in rows] == [("dismissed", 23)]  # the same row; 3 earlier still in window


def test_a_surge_ends_when_the_questions_stop_and_comes_back_as_the_same_one(engine) -> None:
    burst(engine, BEEP, 15, 10, T0)
    run(engine, T0 + timedelta(minutes=6))
    (first,) = surges.listing(engine)
    assert run(engine, T0 + timedelta(minutes=30)).open == 0
    burst(engine, BEEP, 15, 10, T0 + timedelta(minutes=31), prefix="again")
    run(engine, T0 + timedelta(minutes=37))
    (again,) = surges.listing(engine)
    assert again["id"] == first["id"] and again["first_seen"] == first["first_seen"]


def _active_incident(engine, title: str) -> int:
    draft = Draft(title=title, symptoms="Das Terminal piept nur.", status_text="Die IT arbeitet daran.")
    iid = incidents.create(engine, draft, account=AGENT)
    incidents.publish(engine, iid, account=LEAD)
    return iid


def test_an_active_incident_with_the_same_meaning_explains_the_surge(engine) -> None:
    burst(engine, BEEP, 15, 10, T0)
    run(engine, T0 + timedelta(minutes=5))
    assert len(surges.listing(engine)) == 1
    iid = _active_incident(engine, "Zeiterfassung am Eingang piept")
    run(engine, T0 + timedelta(minutes=6))
    assert surges.listing(engine) == []
    with engine.connect() as conn:
        row = conn.execute(select(incident_surges.c.status, incident_surges.c.incident_id)).one()
    assert (row.status, row.incident_id) == ("incident", iid)


def test_conversations_answered_with_an_active_incident_do_not_count(engine) -> None:
    iid = _active_incident(engine, "E-Mail-Versand gestört")  # another meaning: only the matches tell
    burst(engine, BEEP, 15, 10, T0)
    with engine.begin() as conn:
        conn.execute(
            insert(incident_matches).values(
                incident_id=iid, conversation_id="c0", language="de", choice="shown", at=T0, updated_at=T0
            )
        )
    done = run(engine, T0 + timedelta(minutes=6))
    assert (done.messages, done.open) == (13, 0)  # c0's two messages are the incident's; 13 < 15


def test_one_instance_at_a_time_runs_it_by_the_lease_and_runs_are_counted(engine) -> None:
    burst(engine, BEEP, 15, 10, T0)
    embedder = TopicEmbedder()
    at = T0 + timedelta(minutes=6)
    first = surges.run_when_due(engine, embedder, CONFIG, keep_days=30, holder="a", at=at)
    assert first is not None and first.open == 1
    assert surges.run_when_due(engine, embedder, CONFIG, keep_days=30, holder="b", at=at) is None
    later = at + timedelta(seconds=CONFIG.interval_s)
    assert surges.run_when_due(engine, embedder, CONFIG, keep_days=30, holder="b", at=later) is not None
    assert embedder.calls == 2  # the lease holder's two runs; the refused caller embedded nothing
    assert job_runs.read(engine, surges.LEASE).runs == 2


def test_surges_go_with_the_retention_period(engine) -> None:
    burst(engine, BEEP, 15, 10, T0)
    run(engine, T0 + timedelta(minutes=6))
    run(engine, T0 + timedelta(days=31))
    with engine.connect() as conn:
        assert conn.execute(select(incident_surges.c.id)).all() == []


def test_the_retention_purge_deletes_surges_with_the_conversations_period(engine) -> None:
    burst(engine, BEEP, 15, 10, T0)
    run(engine, T0 + timedelta(minutes=6))
    assert retention.purge(engine, Retention(), tz=UTC, now=T0 + timedelta(days=29))["surges"] == 0
    assert retention.purge(engine, Retention(), tz=UTC, now=T0 + timedelta(days=31))["surges"] == 1
