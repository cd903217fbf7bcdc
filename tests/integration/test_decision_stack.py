"""The one decision through the real stack: Rasa's REST webhook, the action server, the fitted decision."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.integration


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def test_an_it_question_about_the_holidays_gets_the_article(chat) -> None:
    """ "Urlaub" made DIET say out_of_scope; the decision still asks the knowledge base."""
    messages = chat.say(
        "Ich bin ab Montag zwei Wochen im Urlaub, wie stelle ich in Outlook eine automatische Antwort ein?"
    )
    assert [m["custom"]["slug"] for m in messages if m.get("custom")] == ["abwesenheitsnotiz"]
    assert "Dabei kann ich leider nicht helfen" not in texts(messages)


def test_the_weather_is_refused_with_a_way_back(chat) -> None:
    messages = chat.say("Wie wird das Wetter morgen?")
    assert "Dabei kann ich leider nicht helfen" in texts(messages)
    assert not any(m.get("custom") for m in messages)
    rescue = messages[-1]
    assert rescue["text"] == "Falls es doch eine IT-Frage ist:"
    assert [(b["title"], b["payload"]) for b in rescue["buttons"]] == [
        ("Anders formulieren", "/rephrase"),
        ("Mit dem Service Desk sprechen", "/request_human"),
    ]
    assert "in einem Satz" in texts(chat.say("/rephrase"))


def test_servus_greets(chat) -> None:
    assert texts(chat.say("Servus")).startswith("Guten Tag!")


def test_ich_muss_jetzt_los_says_goodbye_and_asks_the_closing_question(chat) -> None:
    messages = chat.say("Ich muss jetzt los")
    assert messages[0]["text"].startswith("Auf Wiedersehen!")
    assert any(m.get("custom", {}).get("type") == "csat" for m in messages)
    assert "Wie zufrieden sind Sie" in texts(messages)


def test_a_bare_ja_after_an_answer_is_feedback_not_a_new_question(chat) -> None:
    chat.say("Mein Drucker druckt nicht mehr, die Aufträge bleiben hängen")
    assert texts(chat.say("ja")).startswith("Das freut mich!")


def test_a_bare_danke_after_an_answer_thanks_and_asks_the_closing_question(chat) -> None:
    chat.say("Outlook sagt mein Postfach ist voll")
    messages = chat.say("danke")
    assert messages[0]["text"].startswith("Gern geschehen!")
    assert any(m.get("custom", {}).get("type") == "csat" for m in messages)


def test_rasa_extracts_it_entities_with_the_spacy_layer(stack) -> None:
    parsed = httpx.post(
        f"{stack.settings.servers.rasa_url}/model/parse",
        json={"text": "Outlook zeigt Fehler 0x80070005, Ticket SD-2026-004711"},
    ).json()
    found = {(e["entity"], e["value"]) for e in parsed["entities"] if e.get("extractor") == "SpacyEntityExtractor"}
    assert found == {("SYSTEM", "Outlook"), ("ERROR_CODE", "0x80070005"), ("TICKET", "SD-2026-004711")}


def test_rasa_keeps_its_trackers_in_the_project_sql_tracker_store(chat, stack) -> None:
    """endpoints.yml names bot.rasa_hooks.ServicedeskTrackerStore; Rasa would fall back to memory silently."""
    import sqlite3

    chat.say("Moin")
    with sqlite3.connect(stack.settings.servers.tracker_db) as db:
        (count,) = db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (chat.sender,)).fetchone()
    assert count > 0
