"""The console's "Störungen" view in real headless Chromium (issue 13, groundwork), keyboard first.

An agent declares an incident with the keyboard (a draft: only a lead may publish it); a lead publishes it; a
subscribed conversation then gets a status update with "nächste Information um" and the resolution with the
closing question, stored as messages the chat shows. axe-core checks every new state.
"""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Browser, Page, expect

from desk import conversations, incidents
from desk.db import open_db
from scripts.stack import Stack
from tests.integration.browser import BOT, assert_accessible, new_context, staff_login
from tests.integration.conftest import ensure_user

pytestmark = pytest.mark.integration
AGENT = {"username": "agent.incident.console", "password": "agent-incident-pass-1", "display_name": "Ida Agentin"}
LEAD = {"username": "lead.incident.console", "password": "lead-incident-pass-12", "display_name": "Lutz Leitung"}


def open_incidents(page: Page, base_url: str, account: dict[str, str]) -> None:
    """Log in and reach the tab with the keyboard (arrow keys along the tab list)."""
    staff_login(page, f"{base_url}/console/", account)
    expect(page.locator("#workspace")).to_be_visible(timeout=BOT)
    page.locator("#tab-queue").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#tab-incidents")).to_be_focused()
    expect(page.locator("#incidents-panel")).to_be_visible()


def test_an_agent_declares_a_lead_publishes_and_the_subscriber_hears_the_resolution(
    browser: Browser, base_url: str, stack: Stack
) -> None:
    ensure_user(base_url, AGENT, ["agent"])
    ensure_user(base_url, LEAD, ["agent", "lead"])
    title = f"E-Mail-Versand gestört {uuid.uuid4().hex[:6]}"
    engine = open_db(stack.settings.records.db_url)
    agent_ctx, agent, agent_dialogs = new_context(browser, 1280, axe=True)
    lead_ctx, lead, lead_dialogs = new_context(browser, 1280, axe=True)
    try:
        open_incidents(agent, base_url, AGENT)
        agent.keyboard.press("Tab")  # from the tab into its panel: "Neue Störung"
        expect(agent.locator("#incident-new")).to_be_focused()
        agent.keyboard.press("Enter")
        expect(agent.locator("#incident-title")).to_be_focused()
        agent.keyboard.press("Enter")  # empty: the form says what is missing
        expect(agent.locator("#incident-error")).to_contain_text("Bitte füllen Sie Titel")
        assert_accessible(agent, "incident form with a missing field")
        agent.keyboard.type(title)
        agent.keyboard.press("Tab")
        agent.keyboard.type("Outlook hängt beim Senden.")
        agent.keyboard.press("Tab")
        agent.keyboard.type("Die IT arbeitet daran.")
        agent.keyboard.press("Tab")
        agent.keyboard.type("Bitte Webmail nutzen.")
        agent.keyboard.press("Tab")
        agent.keyboard.type("E-Mail, Outlook")
        agent.locator("#incident-save").focus()
        agent.keyboard.press("Enter")
        entry = agent.locator("#incident-list li", has_text=title)
        expect(entry).to_contain_text("Entwurf", timeout=BOT)
        expect(entry).to_contain_text("Veröffentlichen darf die Leitung.")
        expect(entry.get_by_role("button", name="Veröffentlichen")).to_have_count(0)
        assert_accessible(agent, "incident list with a draft")

        open_incidents(lead, base_url, LEAD)
        lead_entry = lead.locator("#incident-list li", has_text=title)
        publish = lead_entry.get_by_role("button", name=f"Veröffentlichen – {title}")
        publish.focus()
        lead.keyboard.press("Enter")
        expect(lead_entry).to_contain_text("Aktiv", timeout=BOT)
        expect(lead.locator("#incident-status")).to_contain_text("Störung veröffentlicht")
        assert_accessible(lead, "published incident with its message form")

        (found,) = [i for i in incidents.active(engine) if i["title"] == title]
        conversation = f"incident-browser-{uuid.uuid4().hex[:8]}"
        conversations.ensure_conversation(engine, conversation, "incident-browser-test", "de")
        assert incidents.subscribe(engine, found["id"], conversation)  # what the chat side will call

        agent.locator("#tab-queue").click()  # coming back to the tab loads the list anew
        agent.locator("#tab-incidents").click()
        entry = agent.locator("#incident-list li", has_text=title)
        expect(entry).to_contain_text("1 Abonnenten", timeout=BOT)
        text = entry.get_by_label("Meldung an die Abonnenten")
        text.fill("Der Server startet neu.")
        entry.get_by_label("Nächste Information um (optional)").fill("2026-12-03T09:00")
        entry.get_by_role("button", name=f"Information senden – {title}").click()
        expect(agent.locator("#incident-status")).to_have_text("Information an 1 Abonnenten gesendet.", timeout=BOT)
        entry = agent.locator("#incident-list li", has_text=title)
        expect(entry).to_contain_text("Nächste Information:")
        entry.get_by_label("Meldung an die Abonnenten").fill("Mails gehen wieder.")
        entry.get_by_role("button", name=f"Als behoben melden – {title}").click()
        expect(agent.locator("#incident-status")).to_have_text("Störung behoben; 1 Abonnenten benachrichtigt.")
        expect(entry).to_contain_text("Behoben")
        expect(entry.get_by_role("button")).to_have_count(0)
        assert_accessible(agent, "resolved incident")

        shown = [m["text"] for m in conversations.messages_after(engine, conversation)]
        assert shown == [
            f"Neue Information zur Störung „{title}“: Der Server startet neu. Nächste Information gegen 09:00 Uhr.",
            f"Die Störung „{title}“ ist behoben: Mails gehen wieder.",
            "Wie zufrieden sind Sie mit der Hilfe in diesem Gespräch?",
        ]
        assert agent_dialogs == [] and lead_dialogs == []
    finally:
        agent_ctx.close()
        lead_ctx.close()
        engine.dispose()
