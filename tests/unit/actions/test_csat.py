"""The closing question: stored once and anonymously, summed up for the lead; identity and session tokens."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest
from rasa_sdk.events import FollowupAction

from actions.csat import ActionAskCsat, ActionStoreCsat, ActionStoreCsatComment, articles_shown
from desk import conversations, csat, escalations
from desk.runtime import LazyDesk
from tests.unit.actions.helpers import hold, make_tracker, run

TODAY = datetime.now(UTC).date()


tracker = partial(make_tracker, sender="conv")


def rate(desk, conversation: str, score: int, path: str = "bot") -> None:
    conversations.ensure_conversation(desk.engine, conversation, "p")
    assert csat.mark_asked(desk.engine, conversation, path)
    assert csat.store_rating(
        desk.engine, conversation_id=conversation, score=score, path=path, articles=["vpn-fehler"], language="de"
    )


def test_asked_once_rated_once_and_comment_attached(desk) -> None:
    conversations.ensure_conversation(desk.engine, "c1", "p")
    assert csat.mark_asked(desk.engine, "c1", "bot")
    assert not csat.mark_asked(desk.engine, "c1", "agent")  # never twice
    assert csat.asked_path(desk.engine, "c1") == "bot"
    assert csat.store_rating(desk.engine, conversation_id="c1", score=5, path="bot", articles=["a", "a"], language="de")
    assert not csat.store_rating(desk.engine, conversation_id="c1", score=1, path="bot", articles=[], language="de")
    assert csat.add_comment(desk.engine, "c1", "  Super  ")
    rating = csat.rating_of(desk.engine, "c1")
    assert rating["score"] == 5 and rating["comment"] == "Super" and rating["articles"] == ["a"]
    with pytest.raises(csat.CsatError):
        csat.store_rating(desk.engine, conversation_id="c2", score=6, path="bot", articles=[], language="de")


def test_insights_by_path_with_response_rate_and_csv(desk) -> None:
    rate(desk, "a", 5)
    rate(desk, "b", 4)
    rate(desk, "c", 2, "agent")
    conversations.ensure_conversation(desk.engine, "d", "p")
    csat.mark_asked(desk.engine, "d", "ticket")  # asked, never answered
    figures = csat.insights(desk.engine, TODAY - timedelta(days=6), TODAY)
    assert figures["asked"] == 4 and figures["answered"] == 3 and figures["response_rate"] == 0.75
    assert figures["average"] == pytest.approx(3.67, abs=0.01)
    assert figures["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}
    assert figures["by_path"]["bot"]["average"] == 4.5 and figures["by_path"]["agent"]["answered"] == 1
    assert figures["by_path"]["ticket"] == {
        "asked": 1,
        "answered": 0,
        "response_rate": 0.0,
        "average": None,
        "satisfied": None,
        "distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0},
    }
    assert figures["satisfied"] == 0.667 and figures["by_path"]["bot"]["satisfied"] == 1.0  # share of 4-5
    assert figures["weeks"][0]["answered"] == 3
    assert csat.insights(desk.engine, date(2020, 1, 1), date(2020, 1, 31))["answered"] == 0
    lines = csat.insights_csv(figures).splitlines()
    assert lines[0] == "Pfad;Gefragt;Beantwortet;Antwortquote (%);Durchschnitt;1;2;3;4;5"
    assert lines[1] == "Assistent;2;2;100,0;4,50;0;0;0;1;1"
    assert lines[-1] == "Gesamt;4;3;75,0;3,67;0;1;0;1;1"


def test_article_votes(desk) -> None:
    csat.record_article_feedback(desk.engine, slug="vpn-fehler", helpful=True, language="de")
    csat.record_article_feedback(desk.engine, slug="vpn-fehler", helpful=False, language="en")
    csat.record_article_feedback(desk.engine, slug="vpn-fehler", helpful=True, language="de")
    assert csat.article_votes(desk.engine, "vpn-fehler") == (2, 1)


async def test_the_question_is_asked_once_with_the_right_path(desk) -> None:
    ask = ActionAskCsat(LazyDesk.ready(desk))
    d, _ = await run(ask, tracker(intent="goodbye"))
    assert [m["response"] for m in d.messages] == ["utter_ask_csat"] and d.messages[0]["custom"] == {"type": "csat"}
    assert csat.asked_path(desk.engine, "conv") == "bot"
    d, _ = await run(ask, tracker(intent="thank"))
    assert d.messages == []
    d, _ = await run(ask, tracker(intent="EXTERNAL_end_conversation"))
    assert [m["response"] for m in d.messages] == ["utter_conversation_ended"]

    hold(desk, "held")
    esc = escalations.active_for(desk.engine, "held")
    escalations.transition(desk.engine, esc.id, allowed=("waiting",), to="claimed")
    escalations.transition(desk.engine, esc.id, allowed=("claimed",), to="resolved")
    await run(ask, tracker(intent="EXTERNAL_agent_resolved", sender="held"))
    assert csat.asked_path(desk.engine, "held") == "agent"
    await run(ask, tracker(intent="EXTERNAL_csat_inactive", sender="quiet"))
    assert csat.asked_path(desk.engine, "quiet") == "abandoned"
    await run(ask, tracker(intent="EXTERNAL_csat_inactive", sender="helped", kb_verdicts={"vpn-fehler": "helpful"}))
    assert csat.asked_path(desk.engine, "helped") == "bot"


async def test_a_click_is_stored_before_the_thanks_and_the_comment_follows(desk) -> None:
    ask = ActionAskCsat(LazyDesk.ready(desk))
    await run(ask, tracker(intent="goodbye"))
    card = {"event": "bot", "text": "Anleitung", "data": {"custom": {"type": "article", "slug": "vpn-fehler"}}}
    store = ActionStoreCsat(LazyDesk.ready(desk))
    click = tracker(intent="csat", events=[card], entities=[{"entity": "csat_score", "value": "4"}])
    d, events = await run(store, click)
    assert [m["response"] for m in d.messages] == ["utter_csat_thanks"]
    assert events[-1] == FollowupAction("csat_comment_form")
    rating = csat.rating_of(desk.engine, "conv")
    assert rating["score"] == 4 and rating["articles"] == ["vpn-fehler"] and rating["resolution_path"] == "bot"
    d, _ = await run(store, tracker(intent="csat", entities=[{"entity": "csat_score", "value": "1"}]))
    assert [m["response"] for m in d.messages] == ["utter_csat_already"]
    assert csat.rating_of(desk.engine, "conv")["score"] == 4
    d, _ = await run(store, tracker(intent="csat", sender="x", entities=[{"entity": "csat_score", "value": "9"}]))
    assert [m["response"] for m in d.messages] == ["utter_ask_csat"]  # asked again, nothing stored
    assert csat.rating_of(desk.engine, "x") is None
    await run(ActionStoreCsatComment(LazyDesk.ready(desk)), tracker(intent="it_request", csat_comment="Gut!"))
    assert csat.rating_of(desk.engine, "conv")["comment"] == "Gut!"
    assert articles_shown(tracker(intent="x", events=[card, {"event": "user", "text": "x"}])) == ["vpn-fehler"]


def test_a_rating_after_midnight_counts_for_the_day_it_was_asked(desk) -> None:
    from sqlalchemy import update

    from desk.db import conversations as conversations_table
    from desk.db import csat_ratings

    rate(desk, "late", 3)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    with desk.engine.begin() as conn:
        conn.execute(
            update(conversations_table).where(conversations_table.c.id == "late").values(csat_asked_at=yesterday)
        )
    one_day = csat.insights(desk.engine, yesterday.date(), yesterday.date())
    assert one_day["asked"] == 1 and one_day["answered"] == 1 and one_day["response_rate"] == 1.0
    today = csat.insights(desk.engine, TODAY, TODAY)
    assert today["asked"] == 0 and today["answered"] == 0  # the rating itself was given today
    with desk.engine.connect() as conn:
        assert conn.execute(csat_ratings.select()).first().created_at.date() == TODAY


async def test_a_rating_after_an_agent_handed_back_counts_for_the_agent(desk) -> None:
    hold(desk, "back")
    esc = escalations.active_for(desk.engine, "back")
    escalations.transition(desk.engine, esc.id, allowed=("waiting",), to="claimed")
    escalations.transition(desk.engine, esc.id, allowed=("claimed",), to="handed_back")
    await run(ActionAskCsat(LazyDesk.ready(desk)), tracker(intent="goodbye", sender="back"))
    assert csat.asked_path(desk.engine, "back") == "agent"
    # A click on a question asked before the path was recorded reads the escalation the same way.
    hold(desk, "late")
    esc = escalations.active_for(desk.engine, "late")
    escalations.transition(desk.engine, esc.id, allowed=("waiting",), to="claimed")
    escalations.transition(desk.engine, esc.id, allowed=("claimed",), to="handed_back")
    click = tracker(intent="csat", sender="late", entities=[{"entity": "csat_score", "value": "2"}])
    await run(ActionStoreCsat(LazyDesk.ready(desk)), click)
    assert csat.rating_of(desk.engine, "late")["resolution_path"] == "agent"
