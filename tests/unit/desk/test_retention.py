"""The purge with a clock the test moves: what goes after which period, what stays, and the unchanged figures."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, func, select

from desk import accounts, attachments, conversations, csat, escalations, gaps, leases, notes, rasa_tracker, retention
from desk.db import attachments as attachments_table
from desk.db import daily_counts, escalation_notes, knowledge_gaps, messages, now, tickets
from desk.db import escalations as escalations_table
from desk.ticketing import create_ticket
from desk.tickets.sql import SqlTicketSink
from settings import Retention
from tests.unit.actions.helpers import hold

TZ = ZoneInfo("Europe/Berlin")
DAY = timedelta(days=1)
RETENTION = Retention()


def tracker_db(path: Path, events: dict[str, float]) -> str:
    """A tracker database as Rasa's SQL store makes it, with one event per sender at the given time."""
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    rasa_tracker.tracker_metadata.create_all(engine)
    with engine.begin() as conn:
        for sender, ts in events.items():
            conn.execute(
                rasa_tracker.events.insert().values(
                    sender_id=sender, type_name="user", timestamp=ts, data=json.dumps({"text": "[E-Mail]"})
                )
            )
    engine.dispose()
    return url


def senders(url: str) -> set[str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = set(conn.execute(select(rasa_tracker.events.c.sender_id)).scalars())
    engine.dispose()
    return found


def count(engine, table) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def rated_conversation(desk, score: int, path: str = "bot", comment: str = "") -> str:  # noqa: ANN001
    conv = conversations.start(desk.engine, "p1")
    conversations.add_message(desk.engine, conv, "user", "Mein Drucker geht nicht, Tel. 030 1234567")
    conversations.add_message(desk.engine, conv, "bot", "Versuchen Sie Folgendes …")
    with desk.engine.begin() as conn:
        shot = attachments.NewAttachment("image/png", 1, 1, b"png", "Druckauftrag fehlgeschlagen", "read")
        attachments.insert_in(conn, conv, shot)
    assert csat.mark_asked(desk.engine, conv, path)
    assert csat.store_rating(desk.engine, conversation_id=conv, score=score, path=path, articles=[], language="de")
    if comment:
        assert csat.add_comment(desk.engine, conv, comment)
    return conv


def escalated(desk, conv: str) -> escalations.Escalation:  # noqa: ANN001
    esc = escalations.create(
        desk.engine,
        conversation_id=conv,
        user_pseudonym="p1",
        language="de",
        reason="no_answer",
        details={"description": "Drucker, ruf an: 030 1234567", "contact": "anna@stadt.example"},
        intents=[],
        articles=[],
        transcript=[{"role": "user", "text": "anna@stadt.example hier", "ts": 1.0}],
        status="ticket",
    )
    return esc


def test_records_are_stored_redacted_but_the_contact_field(desk) -> None:  # noqa: ANN001
    conv = rated_conversation(desk, 2, comment="Frau Becker war toll, mail: b@stadt.example")
    esc = escalated(desk, conv)
    texts = [m["text"] for m in conversations.messages_after(desk.engine, conv)]
    assert texts == ["Mein Drucker geht nicht, Tel. [Telefon]", "Versuchen Sie Folgendes …"]
    assert csat.rating_of(desk.engine, conv)["comment"] == "Frau [Name] war toll, mail: [E-Mail]"
    assert esc.details == {"description": "Drucker, ruf an: [Telefon]", "contact": "anna@stadt.example"}
    assert esc.transcript[0]["text"] == "[E-Mail] hier"


def test_nothing_goes_before_its_period_and_a_dry_run_changes_nothing(desk, tmp_path) -> None:  # noqa: ANN001
    conv = rated_conversation(desk, 5, comment="gut")
    url = tracker_db(tmp_path / "tracker.db", {conv: now().timestamp()})
    early = retention.purge(desk.engine, RETENTION, tz=TZ, tracker=url, now=now() + 29 * DAY)
    assert set(early.values()) == {0}
    dry = retention.purge(desk.engine, RETENTION, tz=TZ, tracker=url, now=now() + 31 * DAY, dry_run=True)
    assert dry["conversations"] == 1 and dry["messages"] == 2 and dry["tracker_events"] == 1
    assert dry["attachments"] == 1 and count(desk.engine, attachments_table) == 1
    assert count(desk.engine, messages) == 2 and senders(url) == {conv} and count(desk.engine, daily_counts) == 0
    real = retention.purge(desk.engine, RETENTION, tz=TZ, tracker=url, now=now() + 31 * DAY)
    assert real == dry  # the dry run counted exactly what the real run deleted


def test_after_the_conversation_period_records_and_tracker_go_and_the_figures_stay(desk, tmp_path) -> None:  # noqa: ANN001
    old = [rated_conversation(desk, s, path=p) for s, p in ((5, "bot"), (4, "bot"), (1, "agent"))]
    unrated = conversations.start(desk.engine, "p2")
    assert csat.mark_asked(desk.engine, unrated, "ticket")
    esc = escalated(desk, old[2])
    today = datetime.now(TZ).date()
    before = csat.insights(desk.engine, today - 6 * DAY, today, TZ)
    assert before["asked"] == 4 and before["answered"] == 3
    # Rasa also has a conversation our records never saw, idle for 40 days, and one from today
    t0 = now().timestamp()
    url = tracker_db(
        tmp_path / "tracker.db", {**{c: t0 for c in old}, "rasa-only": t0 - 40 * 86400, "fresh": t0 + 30 * 86400}
    )

    report = retention.purge(desk.engine, RETENTION, tz=TZ, tracker=url, now=now() + 31 * DAY)

    assert report["conversations"] == 4 and report["messages"] == 6 and report["csat_ratings"] == 3
    assert report["tracker_events"] == 4 and senders(url) == {"fresh"}
    assert count(desk.engine, messages) == 0 and csat.rating_of(desk.engine, old[0]) is None
    assert report["attachments"] == 3 and count(desk.engine, attachments_table) == 0  # with the messages
    assert csat.insights(desk.engine, today - 6 * DAY, today, TZ) == before  # the week's figures are unchanged
    assert escalations.get(desk.engine, esc.id) is not None  # escalations keep their own, longer period
    with desk.engine.connect() as conn:
        stored = conn.execute(select(daily_counts)).all()
    assert {r.metric for r in stored} == {"conversations", "csat_asked", "csat_rated"}
    assert all(len(r.dimension) <= 16 and r.dimension not in old for r in stored)  # anonymous: no ids


def test_escalations_ticket_copies_and_gaps_go_after_their_longer_period(desk) -> None:  # noqa: ANN001
    conv = conversations.start(desk.engine, "p1")
    esc = escalated(desk, conv)
    create_ticket(desk.engine, SqlTicketSink(desk.engine), esc)
    assert gaps.record_gap(
        desk.engine, secret=desk.secret, conversation_id=conv, question="Beamer?", reason="none", language="de"
    )
    hold(desk, "still-waiting")
    open_esc = escalations.active_for(desk.engine, "still-waiting")
    staff = accounts.Account(id=1, username="anna", display_name="Anna", roles=("agent",))
    notes.add(desk.engine, esc.id, account=staff, text="Intern: ruft oft an")
    notes.add(desk.engine, open_esc.id, account=staff, text="Intern: wartet noch")
    mid = retention.purge(desk.engine, RETENTION, tz=TZ, now=now() + 60 * DAY)
    assert mid["escalations"] == 0 and mid["gaps"] == 0 and mid["ticket_chat_copies"] == 0
    assert mid["escalation_notes"] == 0
    late = retention.purge(desk.engine, RETENTION, tz=TZ, now=now() + 91 * DAY)
    assert late["escalations"] == 1 and late["gaps"] == 1 and late["ticket_chat_copies"] == 1
    assert late["escalation_notes"] == 1  # the note goes with its escalation; the open one's stays
    assert [n.text for n in notes.for_escalation(desk.engine, open_esc.id)] == ["Intern: wartet noch"]
    assert count(desk.engine, escalation_notes) == 1
    assert escalations.get(desk.engine, esc.id) is None
    assert escalations.get(desk.engine, open_esc.id) is not None  # an open handoff is never purged
    with desk.engine.connect() as conn:
        ticket = conn.execute(select(tickets)).one()
        counted = conn.execute(select(daily_counts.c.metric, daily_counts.c.dimension, daily_counts.c.count)).all()
    assert ticket.body == "" and ticket.customer == "" and ticket.escalation_id is None and ticket.number
    assert count(desk.engine, knowledge_gaps) == 0 and count(desk.engine, escalations_table) == 1
    assert ("escalations", "no_answer", 1) in counted and ("gaps", "none", 1) in counted


def test_a_csat_comment_goes_after_its_period_while_the_conversation_goes_on(desk) -> None:  # noqa: ANN001
    conv = rated_conversation(desk, 3, comment="Zu langsam")
    conversations.ensure_conversation(desk.engine, conv, "p1")  # touched again today
    with desk.engine.begin() as conn:  # and a message from day 29 keeps it alive on day 31
        conn.execute(
            messages.insert().values(
                conversation_id=conv, role="user", text="noch da", data={}, created_at=now() + 29 * DAY
            )
        )
    report = retention.purge(desk.engine, RETENTION, tz=TZ, now=now() + 31 * DAY)
    assert report["csat_comments"] == 1 and report["conversations"] == 0 and report["messages"] == 2
    rating = csat.rating_of(desk.engine, conv)
    assert rating["comment"] is None and rating["score"] == 3


def test_the_access_and_request_audit_are_purged_after_their_period(desk) -> None:  # noqa: ANN001
    from desk import access_audit, subject
    from desk.accounts import Account
    from desk.db import access_audit as access_table
    from desk.db import subject_requests

    anna = Account(id=7, username="a", display_name="A", roles=("agent",))
    access_audit.record(desk.engine, account=anna, view="escalation", escalation_id=1)
    subject.log_request(desk.engine, actor="admin", kind="export", given="user_id", counted={})
    with desk.engine.begin() as conn:  # both a year and more ago
        conn.execute(access_table.update().values(at=now() - 400 * DAY))
        conn.execute(subject_requests.update().values(at=now() - 400 * DAY))
    access_audit.record(desk.engine, account=Account(8, "b", "B", ("agent",)), view="tickets")
    subject.log_request(desk.engine, actor="admin", kind="erase", given="conversation", counted={})
    assert retention.purge(desk.engine, RETENTION, tz=TZ)["audit"] == 2
    assert [r["staff_username"] for r in access_audit.accesses(desk.engine)] == ["b"]
    assert [r["kind"] for r in subject.requests(desk.engine)] == ["erase"]


def test_one_of_two_instances_takes_the_hourly_lease(desk) -> None:  # noqa: ANN001
    t = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert leases.acquire(desk.engine, "purge", "web-1", 3600, at=t)
    assert not leases.acquire(desk.engine, "purge", "web-2", 3600, at=t + timedelta(minutes=59))
    assert not leases.acquire(desk.engine, "purge", "web-1", 3600, at=t + timedelta(minutes=30))  # not twice either
    assert leases.acquire(desk.engine, "purge", "web-2", 3600, at=t + timedelta(minutes=60))
    assert leases.holder(desk.engine, "purge") == ("web-2", t + timedelta(hours=2))


@pytest.mark.parametrize("days", [0, 3651])
def test_a_retention_period_out_of_range_stops_the_settings(days: int) -> None:
    from settings import Settings, SettingsError

    with pytest.raises(SettingsError, match="SERVICEDESK_RETENTION_CONVERSATIONS_DAYS"):
        Settings.load(env={"SERVICEDESK_RETENTION_CONVERSATIONS_DAYS": str(days)}, dotenv=Path("/dev/null"))


def test_make_purge_prints_counts_per_kind_and_a_dry_run_changes_nothing(tmp_path, monkeypatch, capsys) -> None:  # noqa: ANN001
    from desk.db import open_db
    from scripts import purge as cli

    monkeypatch.setenv("SERVICEDESK_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("SERVICEDESK_SECRET_KEY", "unit-test-secret")
    engine = open_db(f"sqlite:///{tmp_path / 'servicedesk.db'}")
    conv = conversations.start(engine, "p1")
    conversations.add_message(engine, conv, "user", "anna@stadt.example")
    url = tracker_db(tmp_path / "tracker.db", {conv: now().timestamp()})
    monkeypatch.setenv("SERVICEDESK_TRACKER_DB", str(tmp_path / "tracker.db"))
    later = (now() + 31 * DAY).isoformat()

    assert cli.main(["--dry-run", "--now", later]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == ["messages 1", "conversations 1", "csat_ratings 0"] and "tracker_events 1" in out
    assert out[-1] == "dry run: nothing was changed" and count(engine, messages) == 1 and senders(url) == {conv}

    assert cli.main(["--now", later]) == 0
    assert "conversations 1" in capsys.readouterr().out
    assert count(engine, messages) == 0 and senders(url) == set()
    with pytest.raises(SystemExit):
        cli.main(["--now", "gestern"])
    engine.dispose()


def test_of_two_instances_asking_at_once_one_purges(desk) -> None:  # noqa: ANN001
    rated_conversation(desk, 4)
    t = now() + 31 * DAY
    first = retention.purge_when_due(desk.engine, RETENTION, tz=TZ, tracker=None, holder="web-1", now=t)
    second = retention.purge_when_due(desk.engine, RETENTION, tz=TZ, tracker=None, holder="web-2", now=t)
    assert first is not None and first["conversations"] == 1 and second is None
    hour_later = retention.purge_when_due(desk.engine, RETENTION, tz=TZ, tracker=None, holder="web-2", now=t + DAY / 24)
    assert hour_later is not None and set(hour_later.values()) == {0}
