"""Major incidents: drafts, publishing (audited), status updates and the resolution pushed to subscribers."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from desk import conversations, csat, incidents
from desk.accounts import Account
from desk.db import conversations as conv_table
from desk.db import incident_subscriptions, messages
from desk.incidents import Draft, IncidentConflict
from tests.unit.actions.helpers import hold

AGENT = Account(id=1, username="agent1", display_name="Anna", roles=("agent",))
LEAD = Account(id=2, username="lead1", display_name="Lea", roles=("lead",))
MAIL = Draft(
    title="E-Mail-Versand gestört",
    symptoms="Outlook hängt beim Senden",
    status_text="Die IT arbeitet daran.",
    workaround="Webmail nutzen",
    services=("E-Mail",),
)


def published(engine) -> int:
    iid = incidents.create(engine, MAIL, account=AGENT)
    assert incidents.publish(engine, iid, account=LEAD)
    return iid


def test_a_draft_is_not_shown_until_published_and_edits_wait_for_the_next_publish(engine) -> None:
    iid = incidents.create(engine, MAIL, account=AGENT)
    assert incidents.active(engine) == []
    assert incidents.publish(engine, iid, account=LEAD)
    assert [a["title"] for a in incidents.active(engine)] == ["E-Mail-Versand gestört"]
    incidents.edit(engine, iid, Draft(**{**MAIL.__dict__, "title": "Mail kaputt"}), account=AGENT)
    assert incidents.active(engine)[0]["title"] == "E-Mail-Versand gestört"
    assert incidents.get(engine, iid)["unpublished_changes"] is True
    assert incidents.publish(engine, iid, account=LEAD)
    assert not incidents.publish(engine, iid, account=LEAD)  # the same text again: nothing new
    record = incidents.get(engine, iid)
    assert record["unpublished_changes"] is False
    assert [(h["kind"], h["by"]) for h in record["history"]] == [("publish", "lead1"), ("publish", "lead1")]
    assert record["history"][-1]["text"].startswith("Mail kaputt\nOutlook hängt")


def test_subscribe_needs_an_active_incident_and_is_idempotent(engine) -> None:
    iid = incidents.create(engine, MAIL, account=AGENT)
    with pytest.raises(IncidentConflict):
        incidents.subscribe(engine, iid, "c1")
    with pytest.raises(LookupError):
        incidents.subscribe(engine, 999, "c1")
    incidents.publish(engine, iid, account=LEAD)
    assert incidents.subscribe(engine, iid, "c1")
    assert not incidents.subscribe(engine, iid, "c1")
    assert incidents.get(engine, iid)["subscribers"] == 1


def test_a_status_update_is_pushed_once_in_the_conversations_language(engine) -> None:
    iid = published(engine)
    conversations.ensure_conversation(engine, "de1", "u1", "de")
    conversations.ensure_conversation(engine, "en1", "u2", "en")
    for cid in ("de1", "en1"):
        incidents.subscribe(engine, iid, cid)
    at = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    assert incidents.add_update(engine, iid, text="Server neu gestartet.", next_update_at=at, account=AGENT) == 2
    # a retried call (same text, same time) posts nothing
    assert incidents.add_update(engine, iid, text="Server neu gestartet.", next_update_at=at, account=AGENT) == 0
    (de,) = conversations.messages_after(engine, "de1")
    (en,) = conversations.messages_after(engine, "en1")
    assert de["text"] == (
        "Neue Information zur Störung „E-Mail-Versand gestört“: Server neu gestartet. "
        "Nächste Information gegen 09:00 Uhr."
    )
    assert en["text"].startswith("New information on the incident")
    assert de["role"] == "bot" and de["data"] == {"incident": {"id": iid, "kind": "update"}}
    assert incidents.get(engine, iid)["next_update_at"] == at.isoformat()


def test_resolving_posts_the_message_and_the_closing_question_once(engine) -> None:
    iid = published(engine)
    for cid in ("a", "b", "held"):
        conversations.ensure_conversation(engine, cid, "u-" + cid, "de")
        incidents.subscribe(engine, iid, cid)
    hold(SimpleNamespace(engine=engine), "held")
    assert incidents.resolve(engine, iid, text="Alles läuft wieder.", account=AGENT) == 3
    assert incidents.resolve(engine, iid, text="Alles läuft wieder.", account=AGENT) == 0
    texts_a = [m["text"] for m in conversations.messages_after(engine, "a")]
    assert texts_a == [
        "Die Störung „E-Mail-Versand gestört“ ist behoben: Alles läuft wieder.",
        "Wie zufrieden sind Sie mit der Hilfe in diesem Gespräch?",
    ]
    question = conversations.messages_after(engine, "a")[1]["data"]
    assert question["csat"] is True
    assert [b["payload"] for b in question["buttons"]][0] == '/csat{"csat_score": "1"}'
    assert question["buttons"][4]["title"] == "😄 5 – sehr zufrieden"
    assert csat.asked_path(engine, "a") == "incident"
    # an agent has "held": only the resolution, the closing question comes when the agent is done
    assert len(conversations.messages_after(engine, "held")) == 1
    assert csat.asked_path(engine, "held") is None
    with pytest.raises(IncidentConflict):
        incidents.add_update(engine, iid, text="noch was", next_update_at=None, account=AGENT)
    with pytest.raises(IncidentConflict):
        incidents.edit(engine, iid, MAIL, account=AGENT)


def test_a_conversation_asked_already_is_not_asked_again(engine) -> None:
    iid = published(engine)
    conversations.ensure_conversation(engine, "c", "u", "de")
    incidents.subscribe(engine, iid, "c")
    assert csat.mark_asked(engine, "c", "bot")
    incidents.resolve(engine, iid, text="Behoben.", account=AGENT)
    assert len(conversations.messages_after(engine, "c")) == 1
    assert csat.asked_path(engine, "c") == "bot"


def test_an_update_on_a_draft_is_refused(engine) -> None:
    iid = incidents.create(engine, MAIL, account=AGENT)
    with pytest.raises(IncidentConflict):
        incidents.add_update(engine, iid, text="x", next_update_at=None, account=AGENT)
    with pytest.raises(LookupError):
        incidents.resolve(engine, 4242, text="x", account=AGENT)


def test_resolving_with_300_subscribers_is_one_quick_batch(engine) -> None:
    iid = published(engine)
    with engine.begin() as conn:
        for n in range(300):
            conversations.start_in(conn, f"u{n}")
    with engine.connect() as conn:
        ids = list(conn.execute(select(conv_table.c.id)).scalars())
    for cid in ids:
        incidents.subscribe(engine, iid, cid)
    started = time.perf_counter()
    assert incidents.resolve(engine, iid, text="Behoben.", account=AGENT) == 300
    assert time.perf_counter() - started < 5  # the target for 300 subscribers
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(messages)).scalar_one() == 600
        left = conn.execute(
            select(func.count())
            .select_from(incident_subscriptions)
            .where(incident_subscriptions.c.notified_revision < 2)
        ).scalar_one()
    assert left == 0


def test_subscriptions_follow_the_conversations_and_resolved_incidents_the_audit_period(engine) -> None:
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from desk import retention
    from settings import Retention

    old, fresh = published(engine), published(engine)
    conversations.ensure_conversation(engine, "c", "u", "de")
    incidents.subscribe(engine, old, "c")
    incidents.subscribe(engine, fresh, "c")
    incidents.resolve(engine, old, text="Behoben.", account=AGENT)
    tz, later = ZoneInfo("Europe/Berlin"), datetime.now(UTC) + timedelta(days=31)
    report = retention.purge(engine, Retention(), tz=tz, now=later)
    assert report["incident_subscriptions"] == 2 and report["incidents"] == 0
    assert incidents.get(engine, old)["history"]  # the publish audit stays for the audit period
    report = retention.purge(engine, Retention(), tz=tz, now=datetime.now(UTC) + timedelta(days=366))
    assert report["incidents"] == 1 and incidents.get(engine, old) is None
    assert incidents.get(engine, fresh)["status"] == "active"  # never while it is not resolved


def test_the_change_counter_moves_with_what_employees_see(engine) -> None:
    start = incidents.changes(engine)
    iid = incidents.create(engine, MAIL, account=AGENT)
    incidents.edit(engine, iid, MAIL, account=AGENT)
    assert incidents.changes(engine) == start  # a draft and its edits are nobody's business yet
    incidents.publish(engine, iid, account=LEAD)
    incidents.add_update(engine, iid, text="Neu gestartet.", next_update_at=None, account=AGENT)
    incidents.resolve(engine, iid, text="Behoben.", account=AGENT)
    assert incidents.changes(engine) == start + 3
