"""The chat's empty state (``GET /api/chat/welcome``): starter topics, service hours, the privacy notice's facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from desk.knowledge_stats import record_shown
from knowledge.source import StaticKnowledgeSource
from settings.hours import ServiceHours
from tests.conftest import desk_web_app, plain_settings
from web.chat.welcome import FALLBACK, contact_href, describe_hours, hours_now, question_for, short_title, topics

MONDAY_NOON = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)  # 12:00 in Berlin
SATURDAY = datetime(2026, 12, 5, 11, 0, tzinfo=UTC)


def rasa(_request):  # noqa: ANN001, ANN201 - the welcome never reaches Rasa
    raise AssertionError("Rasa must not be asked")


@pytest.fixture
def app(desk, desk_settings, hashing_kb):  # noqa: ANN001, ANN201 - fixtures
    return desk_web_app(desk, desk_settings, StaticKnowledgeSource(hashing_kb), rasa, sweep_interval_s=3600)


async def test_without_figures_the_fixed_everyday_topics_fill_six_places(app) -> None:
    _, resp = await app.asgi_client.get("/api/chat/welcome")
    assert resp.status == 200 and resp.headers["cache-control"] == "no-store"
    body = resp.json
    assert [t["slug"] for t in body["topics"]] == list(FALLBACK[:6])
    first = body["topics"][0]
    assert first == {"slug": "passwort-zuruecksetzen", "title": "Passwort vergessen", "question": first["question"]}
    assert first["question"] == "Ich habe mein Passwort vergessen"
    assert body["privacy"] == {
        "controller": "Stadtverwaltung Musterstadt",
        "contact": "datenschutz@stadt.example",
        "contact_href": "mailto:datenschutz@stadt.example",
        "retention_days": 30,
    }
    # The unit tests' desk is always open.
    assert body["hours"] == {"text": "rund um die Uhr", "open": True, "next_open": None}


async def test_the_most_shown_articles_come_first(app, desk) -> None:
    for slug, times in (("softphone", 3), ("pc-langsam", 2), ("gibt-es-nicht", 9)):
        for _ in range(times):
            record_shown(desk.engine, slug)
    _, resp = await app.asgi_client.get("/api/chat/welcome?lang=en")
    slugs = [t["slug"] for t in resp.json["topics"]]
    # An unknown slug (a retired article) is left out; the fixed list fills up without repeating one.
    assert slugs == ["softphone", "pc-langsam", *FALLBACK[:4]]
    assert resp.json["hours"]["text"] == "around the clock"


async def test_a_language_other_than_de_or_en_is_a_clear_400(app) -> None:
    _, resp = await app.asgi_client.get("/api/chat/welcome?lang=fr")
    assert resp.status == 400 and resp.json["code"] == "chat.language" and resp.json["field"] == "lang"


async def test_the_welcome_may_be_read_from_the_intranet(app) -> None:
    _, resp = await app.asgi_client.options(
        "/api/chat/welcome", headers={"origin": "http://127.0.0.1:8000", "access-control-request-method": "GET"}
    )
    assert resp.status == 204 and resp.headers["access-control-allow-origin"] == "http://127.0.0.1:8000"


def test_hours_in_words_group_days_with_the_same_times() -> None:
    week = ServiceHours.parse("Mo-Do 07:30-16:00, Fr 07:30-13:00")
    assert describe_hours(week, "de") == "Mo–Do 07:30–16:00, Fr 07:30–13:00"
    assert describe_hours(ServiceHours.parse("Mo-Fr 07:30-16:00"), "en") == "Mon–Fri 07:30–16:00"
    assert describe_hours(ServiceHours.parse("never"), "de").startswith("nur per Ticket")


def test_open_now_and_when_next() -> None:
    week = ServiceHours.parse("Mo-Fr 07:30-16:00")
    assert hours_now(week, MONDAY_NOON, "de") == {"text": "Mo–Fr 07:30–16:00", "open": True, "next_open": None}
    assert hours_now(week, SATURDAY, "de")["next_open"] == "Mo 07:30"
    assert hours_now(week, SATURDAY, "en") == {"text": "Mon–Fri 07:30–16:00", "open": False, "next_open": "Mon 07:30"}
    assert hours_now(ServiceHours.parse("never"), SATURDAY, "de")["next_open"] is None


def test_topics_skip_drafts_and_english_asks_an_english_question(articles) -> None:
    by_slug = {a.slug: a for a in articles}
    drafted = [replace(a, status="draft") if a.slug == "passwort-zuruecksetzen" else a for a in articles]
    chosen = [t["slug"] for t in topics(drafted, ["passwort-zuruecksetzen"], "de")]
    assert chosen == list(FALLBACK[1:7])
    assert question_for(by_slug["servicedesk-kontakt"], "en") == "How can I contact IT support?"
    assert question_for(by_slug["servicedesk-kontakt"], "de") == "Wie erreiche ich den Service Desk?"
    assert short_title("Service Desk erreichen – Kontakt und Servicezeiten") == "Service Desk erreichen"


def test_a_contact_is_a_link_only_when_it_is_one_address() -> None:
    assert contact_href("https://intranet.example/datenschutz") == "https://intranet.example/datenschutz"
    assert contact_href("dsb@stadt.example") == "mailto:dsb@stadt.example"
    assert contact_href("Rathausplatz 1, 12345 Musterstadt") is None
    assert contact_href("javascript:alert(1)") is None


def test_defaults_are_what_the_notice_shows() -> None:
    legal = plain_settings().legal
    assert legal.controller_name and contact_href(legal.controller_contact)
