"""The self-service rate on a hand-built week (tests/unit/desk/report_fixture.py derives every figure by hand)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, insert, select

from desk import daily_counts, self_service, weekly_report
from desk.daily_counts import Key
from desk.db import article_feedback, article_shown, escalations, users
from tests.unit.desk.report_fixture import EXPECTED, NOW, TZ, WEEK, at, build


def figures(engine: Engine, state: str = "BE", now=NOW) -> dict:  # noqa: ANN001
    return dict(self_service.summary(engine, *WEEK, tz=TZ, state=state, now=now))


def test_the_hand_built_week_gives_the_hand_derived_figures(engine: Engine) -> None:
    build(engine)
    found = figures(engine)
    assert {k: found[k] for k in EXPECTED} == EXPECTED
    assert found["return_working_days"] == 3 and found["holiday_state"] == "BE"


def test_without_holidays_the_return_after_christmas_comes_too_late(engine: Engine) -> None:
    build(engine)
    found = figures(engine, state="")
    assert (found["solved"], found["reasons"]["returned"], found["reasons"]["no_return"]) == (8, 0, 4)
    assert found["rate"] == 0.4


def test_before_the_windows_end_nothing_is_solved_by_absence(engine: Engine) -> None:
    build(engine)
    found = figures(engine, now=at(24, 12))  # Thursday: every window of the week is still open
    assert found["reasons"]["no_return"] == 0 and found["solved"] == 4  # 👍 x2, CSAT >= 4 x2
    assert found["reasons"]["window_open"] == 4  # c08, c11, c13, c15 (c09's return is in the records already)


def test_purged_conversations_are_counted_as_unclear(engine: Engine) -> None:
    build(engine)
    with engine.begin() as conn:
        daily_counts.add(conn, Counter({Key(date(2026, 12, 22), "conversations", "", "de"): 2}))
    found = figures(engine)
    assert (found["conversations"], found["solved"], found["unclear"]) == (22, 7, 11)
    assert found["reasons"]["purged"] == 2 and found["rate"] == round(7 / 22, 3)


@pytest.mark.parametrize(
    "rows, helpful",
    [
        ([("bot", {"article": {"slug": "a"}}), ("bot", {"buttons": [{"payload": "/affirm"}]}),
          ("user", {"payload": "/affirm"})], True),
        ([("bot", {"article": {"slug": "a"}}), ("bot", {"buttons": [{"payload": "/affirm"}]}),
          ("user", {"payload": "/deny"})], False),
        ([("bot", {"buttons": [{"payload": "/affirm"}]}), ("user", {"payload": "/affirm"})], False),
        ([("bot", {"article": {"slug": "a"}}), ("user", {}), ("bot", {"buttons": [{"payload": "/affirm"}]}),
          ("user", {"payload": "/affirm"})], False),
    ],
)  # fmt: skip
def test_a_thumbs_up_counts_only_under_the_question_after_an_article(rows, helpful) -> None:  # noqa: ANN001
    assert self_service.said_helpful(rows) is helpful


def test_week_ranges_and_bad_weeks() -> None:
    assert weekly_report.week_range("2026-W49") == (date(2026, 11, 30), date(2026, 12, 6))
    assert weekly_report.week_range("2026-W53") == (date(2026, 12, 28), date(2027, 1, 3))
    for bad in ("2026-W54", "2025-W53", "2026-49", "W49", "1999-W01", "2026-W00"):
        with pytest.raises(ValueError):
            weekly_report.week_range(bad)


def staff_escalations(engine: Engine, agents: int) -> None:
    """One resolved escalation per agent: claimed after (agent) minutes, resolved 10 minutes later."""
    with engine.begin() as conn:
        for n in range(1, agents + 1):
            if not conn.execute(select(users.c.id).where(users.c.id == 100 + n)).first():
                conn.execute(
                    insert(users).values(
                        id=100 + n, username=f"s{n}", display_name=f"S {n}", password_hash="-", roles="agent",
                        active=True, created_at=NOW,
                    )
                )  # fmt: skip
            start = at(22, 9)
            conn.execute(
                insert(escalations).values(
                    conversation_id=f"e{n}", user_pseudonym="p", language="de", reason="no_answer", status="resolved",
                    details={}, summary=[], intents=[], articles=[], transcript=[], agent_id=100 + n,
                    created_at=start, updated_at=start, claimed_at=start + timedelta(minutes=n),
                    closed_at=start + timedelta(minutes=n + 10),
                )
            )  # fmt: skip


def report(engine: Engine, min_staff: int = 5) -> dict:
    return weekly_report.summary(engine, *WEEK, tz=TZ, state="BE", min_staff=min_staff, now=NOW)


def test_team_figures_only_from_five_staff(engine: Engine) -> None:
    staff_escalations(engine, 4)
    assert report(engine)["team"] == {"shown": False, "min_staff": 5}
    assert "zu wenige Daten" in weekly_report.summary_csv(report(engine))
    staff_escalations(engine, 5)  # five distinct agents now (ids 101-105)
    team = report(engine)["team"]
    assert team["shown"] and team["claimed"] == 9 and team["resolved"] == 9
    # claim minutes 1,2,3,4,1,2,3,4,5: median 3, p90 (9th of 9) 5; resolve = claim + 10
    assert team["claim_s"] == {"median": 180, "p90": 300} and team["resolve_s"] == {"median": 780, "p90": 900}
    assert report(engine, min_staff=6)["team"]["shown"] is False


def test_the_summary_counts_escalations_articles_gaps_and_csat(engine: Engine) -> None:
    build(engine)
    with engine.begin() as conn:
        for slug, n in (("a", 3), ("b", 1)):
            for _ in range(n):
                conn.execute(insert(article_shown).values(slug=slug, created_at=at(22)))
        conn.execute(insert(article_shown).values(slug="a", created_at=at(28)))  # next week
        for helpful in (True, True, False):
            conn.execute(insert(article_feedback).values(slug="a", helpful=helpful, language="de", created_at=at(22)))
        daily_counts.add(conn, Counter({Key(date(2026, 12, 23), "escalations", "no_answer", "de"): 2}))
    found = report(engine)
    assert found["self_service"]["rate"] == 0.35
    assert found["escalations"] == {"user_request": 4, "no_answer": 2, "not_helpful": 0, "needs_person": 0}
    assert [(a["slug"], a["shown"], a["helpful"], a["not_helpful"]) for a in found["articles"]] == [
        ("a", 3, 2, 1),
        ("b", 1, 0, 0),
    ]
    assert found["gaps"]["queue"] == "/editor/#/gaps" and found["gaps"]["total"] == 0
    ratings = found["csat"]
    assert ratings["answered"] == 6 and ratings["target"] == 0.96
    assert ratings["satisfied"] == round(4 / 6, 3)  # 5, 5, 4, 5 satisfied; 2, 2 not
    assert ratings["by_path"]["agent"]["answered"] == 2 and ratings["weeks"][0]["week"] == "2026-W52"
    lines = weekly_report.summary_csv(found).splitlines()
    assert lines[0] == "Zeitraum;2026-12-21;2026-12-27"
    assert "Selbstlösungsquote (%);35,0" in lines and "Vom Assistenten gelöst;7" in lines
