"""The incident counters: matched messages, subscribers, linked escalations and tickets, deflection, CSAT."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, update

from desk import conversations, csat, incident_stats, incidents, weekly_report
from desk.accounts import Account
from desk.db import conversations as conv_table
from desk.db import escalations, incident_matches
from desk.db import incidents as incident_table
from desk.incidents import Draft

LEAD = Account(id=2, username="lead1", display_name="Lea", roles=("lead",))
MAIL = Draft(title="E-Mail-Versand gestört", symptoms="Outlook hängt", status_text="Die IT arbeitet daran.")
T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday of 2026-W49


def _incident(engine, title: str = MAIL.title) -> int:
    iid = incidents.create(
        engine, Draft(title=title, symptoms=MAIL.symptoms, status_text=MAIL.status_text), account=LEAD
    )
    incidents.publish(engine, iid, account=LEAD)
    return iid


def _match(engine, iid: int, cid: str, *, choice: str = "shown", messages: int = 1, at: datetime = T0) -> None:
    conversations.ensure_conversation(engine, cid, f"u-{cid}", "de")
    with engine.begin() as conn:
        conn.execute(
            insert(incident_matches).values(
                incident_id=iid, conversation_id=cid, language="de", choice=choice, messages=messages, at=at,
                updated_at=at,
            )
        )  # fmt: skip


def _escalate(engine, cid: str, *, at: datetime, incident_id: int | None = None, ticket: str | None = None) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(escalations).values(
                conversation_id=cid, user_pseudonym=f"u-{cid}", language="de", reason="user_request",
                status="ticket" if ticket else "waiting", details={}, summary=[], intents=[], articles=[],
                transcript=[], ticket_number=ticket, incident_id=incident_id, created_at=at, updated_at=at,
            )
        )  # fmt: skip


def test_counters_of_an_incident_nobody_asked_about_are_zero(engine) -> None:
    iid = _incident(engine)
    assert incident_stats.counters(engine, [iid]) == {iid: incident_stats.empty()}
    assert incident_stats.counters(engine, []) == {}


def test_matched_messages_escalations_tickets_and_deflection(engine) -> None:
    mail, other_incident = _incident(engine), _incident(engine, "VPN gestört")
    _match(engine, mail, "a", messages=3)  # answered, nothing more: deflected
    _match(engine, mail, "b", choice="subscribe")  # subscribed: deflected
    _match(engine, mail, "c", choice="escalate")  # asked for a person afterwards: not deflected
    _escalate(engine, "c", at=T0 + timedelta(minutes=2), incident_id=mail)
    _match(engine, mail, "d", choice="escalate")  # ... and that became a ticket
    _escalate(engine, "d", at=T0 + timedelta(minutes=3), incident_id=mail, ticket="T-1")
    _match(engine, mail, "e", choice="other")  # "another problem": never deflected by the incident
    _match(engine, mail, "f", at=T0 + timedelta(hours=1))  # an escalation before the incident answer
    _escalate(engine, "f", at=T0)
    _match(engine, other_incident, "a", messages=2)
    found = incident_stats.counters(engine, [mail, other_incident])
    assert {k: found[mail][k] for k in ("matched_messages", "matched_conversations", "escalations", "tickets")} == {
        "matched_messages": 8,
        "matched_conversations": 6,
        "escalations": 2,
        "tickets": 1,
    }
    assert found[mail]["deflected"] == 3  # a, b and f
    assert found[other_incident]["matched_messages"] == 2
    assert found[other_incident]["escalations"] == 0


def test_subscribers_and_the_closing_question_of_path_incident(engine) -> None:
    iid = _incident(engine)
    for cid in ("s1", "s2", "s3"):
        conversations.ensure_conversation(engine, cid, f"u-{cid}", "de")
        incidents.subscribe(engine, iid, cid)
    with engine.begin() as conn:  # s3 was held by an agent at the resolution: asked on the agent's path
        conn.execute(update(conv_table).where(conv_table.c.id == "s3").values(csat_asked_at=T0, csat_path="agent"))
    incidents.resolve(engine, iid, text="Behoben.", account=LEAD)
    csat.store_rating(engine, conversation_id="s1", score=5, path="incident", articles=[], language="de")
    csat.store_rating(engine, conversation_id="s2", score=2, path="incident", articles=[], language="de")
    csat.store_rating(engine, conversation_id="s3", score=1, path="agent", articles=[], language="de")
    rating = incident_stats.counters(engine, [iid])[iid]
    assert rating["subscribers"] == 3
    assert rating["csat"] == {"asked": 2, "answered": 2, "average": 3.5, "satisfied": 0.5}


def test_insights_lists_the_incidents_of_the_period_and_counts_by_week(engine) -> None:
    old, current = _incident(engine, "Altlast"), _incident(engine)
    with engine.begin() as conn:  # the first one was resolved long before the period
        conn.execute(
            update(incident_table)
            .where(incident_table.c.id == old)
            .values(status="resolved", published_at=T0 - timedelta(days=60), resolved_at=T0 - timedelta(days=50))
        )
        conn.execute(update(incident_table).where(incident_table.c.id == current).values(published_at=T0))
    _match(engine, current, "a", messages=2, at=T0)
    _match(engine, current, "b", at=T0 + timedelta(days=7))  # next week
    _escalate(engine, "b", at=T0 + timedelta(days=7, minutes=1), incident_id=current, ticket="T-9")
    _match(engine, current, "z", at=T0 - timedelta(days=30))  # before the period: not in any week shown
    found = incident_stats.insights(engine, date(2026, 11, 30), date(2026, 12, 13), UTC)
    assert [(i["id"], i["title"], i["matched_messages"]) for i in found["incidents"]] == [
        (current, "E-Mail-Versand gestört", 4)  # the incident's whole life
    ]
    weeks = {w["week"]: w for w in found["weeks"]}
    assert sorted(weeks) == ["2026-W49", "2026-W50"]
    assert (weeks["2026-W49"]["matched_messages"], weeks["2026-W49"]["deflected"]) == (2, 1)
    assert (weeks["2026-W50"]["escalations"], weeks["2026-W50"]["tickets"], weeks["2026-W50"]["deflected"]) == (1, 1, 0)


def test_insights_name_no_person(engine) -> None:
    iid = _incident(engine)
    _match(engine, iid, "a")
    _escalate(engine, "a", at=T0 + timedelta(minutes=1), incident_id=iid)
    found = incident_stats.insights(engine, date(2026, 11, 30), date(2026, 12, 6), UTC)
    text = repr(found)
    assert "lead1" not in text and "u-a" not in text and "'a'" not in text


def test_the_weekly_report_csv_and_printable_page_show_the_incidents(engine) -> None:
    from web.insights import report_page

    iid = _incident(engine, "VPN <gestört>")
    _match(engine, iid, "a", messages=3)
    _match(engine, iid, "b")
    _escalate(engine, "b", at=T0 + timedelta(minutes=1), incident_id=iid, ticket="T-1")
    found = weekly_report.summary(
        engine, date(2026, 11, 30), date(2026, 12, 6), tz=UTC, state="BE", min_staff=5, now=T0 + timedelta(days=9)
    )
    assert found["incidents"]["weeks"][0]["week"] == "2026-W49"
    lines = weekly_report.summary_csv(found).splitlines()
    assert (
        "Störung;Treffer (Nachrichten);Abonnenten;Ohne Weitergabe;Weitergaben;davon Tickets;Antworten;Durchschnitt"
        in lines
    )
    assert "VPN <gestört>;4;0;1;1;1;0;" in lines and "2026-W49;4;0;1;1;1;0;" in lines
    html = report_page.page(found, "2026-W49")
    assert "Größere Störungen" in html and "VPN &lt;gestört&gt;" in html and "<gestört>" not in html
