"""Surge detection through the real stack (issue 13): 20 similar questions from 12 conversations become one surge.

The questions go through the chat API as the widget sends them (stored redacted, answered by Rasa), about a topic no
article covers; questions about other topics go in between and must not join it. The web service's own detection
job (every 2 s here) finds it; the console API lists it, and in headless Chromium the banner shows it on the queue
and in the "Störungen" tab, "Als Störung anlegen" opens the incident form pre-filled, and "Ausblenden" hides it.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from scripts.stack import Stack
from tests.integration.browser import BOT, assert_accessible, new_context, staff_login
from tests.integration.conftest import ensure_user, staff_client
from tests.integration.employee import Employee

pytestmark = pytest.mark.integration
AGENT = {"username": "agent.surge", "password": "agent-surge-pass-12", "display_name": "Sina Agentin"}
TOPIC = ("zeiterfassung", "stempel", "terminal")
PHRASINGS = [
    "Der Zeiterfassungsterminal am Eingang piept nur",
    "Das Zeiterfassungsterminal am Haupteingang piept ständig und bucht nicht",
    "Zeiterfassung am Eingang geht nicht, das Gerät piept nur",
    "Mein Ausweis wird am Zeiterfassungsterminal nicht angenommen, es piept",
    "Das Stempelterminal im Foyer piept und nimmt keine Buchung an",
    "Warum piept das Zeiterfassungsgerät am Eingang dauernd?",
    "Ich kann mich am Terminal für die Zeiterfassung nicht einstempeln, es piept nur",
    "Terminal Zeiterfassung Eingang piept, Kommen-Buchung klappt nicht",
    "Die Stempeluhr am Eingang piept nur noch",
    "Zeiterfassungsterminal reagiert nicht auf meine Karte, nur ein Piepton",
    "Am Eingang funktioniert das Zeiterfassungsterminal nicht, es piept",
    "Heute früh konnte ich nicht stempeln, das Terminal am Eingang piept",
    "Das Gerät zur Arbeitszeiterfassung am Eingang gibt nur Pieptöne von sich",
    "Zeiterfassung Terminal Eingang defekt? Piept nur",
    "Beim Einstempeln piept das Terminal am Eingang und nichts passiert",
    "Meine Kommt-Buchung am Zeiterfassungsterminal geht nicht, es piept",
    "Das Zeiterfassungsterminal piept, wenn ich den Dienstausweis davorhalte",
    "Stempeln am Eingang geht nicht, Terminal piept nur",
    "Zeiterfassungsterminal im Eingangsbereich piept durchgehend",
    "Kann nicht einstempeln, Terminal am Eingang piept",
]
OTHERS = [
    "Ich habe mein Passwort vergessen",
    "Der Drucker im 2. Stock druckt nicht",
    "VPN verbindet sich nicht von zu Hause",
    "Wie beantrage ich einen neuen Laptop?",
    "Mein Bildschirm bleibt schwarz",
    "Im Teams-Anruf höre ich keinen Ton",
    "Mein Postfach ist voll, was tun?",
    "Wie richte ich eine Abwesenheitsnotiz ein?",
]


def about_the_topic(surge: dict[str, Any]) -> bool:
    return any(word in example.lower() for example in surge["examples"] for word in TOPIC)


def topic_surges(client: httpx.Client) -> list[dict[str, Any]]:
    resp = client.get("/api/incidents/surges")
    assert resp.status_code == 200, resp.text
    return [s for s in resp.json()["surges"] if about_the_topic(s)]


def test_twenty_similar_questions_from_twelve_conversations_are_one_surge(stack: Stack, base_url: str) -> None:
    ensure_user(base_url, AGENT, ["agent"])
    client = staff_client(base_url, AGENT)
    assert topic_surges(client) == []
    employees = [Employee(stack.settings) for _ in range(12)]
    others = [Employee(stack.settings) for _ in OTHERS]
    try:
        for i, text in enumerate(PHRASINGS):  # 12 conversations; the first 8 ask a second time
            employees[i % 12].say(text)
            if i < len(OTHERS):
                others[i].say(OTHERS[i])
        # The job runs every 2 s: a run while the questions were still coming in finds the surge with fewer of
        # them; the next runs must bring it up to all twenty.
        deadline = time.monotonic() + 60
        found = topic_surges(client)
        while (not found or found[0]["count"] < len(PHRASINGS)) and time.monotonic() < deadline:
            time.sleep(1)
            found = topic_surges(client)
        assert len(found) == 1, found
        (surge,) = found
        assert (surge["count"], surge["conversations"]) == (20, 12)
        assert sum(surge["trend"]["per_minute"]) == 20
        assert set(surge["examples"]) <= set(PHRASINGS) and surge["label"] in PHRASINGS
        shown = [e for s in client.get("/api/incidents/surges").json()["surges"] for e in s["examples"]]
        assert not set(OTHERS) & set(shown)  # the other topics joined no surge
    finally:
        for e in employees + others:
            e.close()
        client.close()


def test_the_banner_shows_the_surge_and_declaring_it_fills_the_incident_form(browser: Browser, base_url: str) -> None:
    client = staff_client(base_url, AGENT)
    (surge,) = topic_surges(client)  # from the test above
    context, page, dialogs = new_context(browser, 1280, axe=True)
    try:
        staff_login(page, f"{base_url}/console/", AGENT)
        expect(page.locator("#workspace")).to_be_visible(timeout=BOT)
        banner = page.locator("#surges li.surge", has_text=surge["label"])
        expect(banner).to_be_visible(timeout=BOT)
        expect(banner).to_contain_text("Viele ähnliche Anfragen:")
        expect(banner).to_contain_text("20 Anfragen aus 12 Gesprächen in den letzten 10 Minuten")
        expect(banner).to_contain_text("Tendenz")
        expect(page.locator("#queue-panel")).to_be_visible()
        assert_accessible(page, "queue with the surge banner")

        declare = banner.get_by_role("button", name=f"Als Störung anlegen – {surge['label']}")
        declare.focus()
        page.keyboard.press("Enter")
        expect(page.locator("#tab-incidents")).to_have_attribute("aria-selected", "true")
        expect(page.locator("#incident-title")).to_be_focused()
        expect(page.locator("#incident-title")).to_have_value(surge["label"])
        expect(page.locator("#incident-symptoms")).to_have_value("\n".join(surge["examples"]))
        expect(page.locator("#incident-status")).to_contain_text("vorausgefüllt")
        expect(banner).to_be_visible()  # the banner stays above the "Störungen" tab too
        assert_accessible(page, "incident form pre-filled from the surge")

        page.keyboard.press("Escape")
        hide = banner.get_by_role("button", name=f"Ausblenden – {surge['label']}")
        hide.focus()
        page.keyboard.press("Enter")
        expect(page.locator("#surge-status")).to_have_text(
            "Hinweis ausgeblendet. Dieselben Anfragen werden nicht erneut gemeldet."
        )
        expect(page.locator("#surges li.surge", has_text=surge["label"])).to_have_count(0)
        assert_accessible(page, "surge dismissed")
        time.sleep(3)  # a later detection run keeps it hidden
        assert topic_surges(client) == []
        assert dialogs == []
    finally:
        context.close()
        client.close()
