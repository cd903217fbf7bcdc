"""A major incident in the intranet widget, real headless Chromium against the real stack (issue 13).

A lead declares and publishes an incident through the API: the open widget (on the intranet page with the strict
CSP) shows the banner "Aktuelle Störung: …" live, without taking the focus. Two conversations subscribe; the
resolution, sent through the API, appears live in the open widget and as the launcher's unread badge on the closed
one, whose history shows it when it is opened again; the banner goes in both. The console shows the incident's
counters. axe-core checks the banner states and the console's list.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import insert

from desk import incidents
from desk.db import incident_matches, open_db
from scripts.stack import Stack
from tests.integration.browser import BOT, assert_accessible, deep_active, new_context, say, settled
from tests.integration.conftest import ensure_user, staff_client
from tests.integration.test_console_incidents_browser import open_incidents

pytestmark = pytest.mark.integration
LEAD = {"username": "lead.banner", "password": "lead-banner-password-1", "display_name": "Bea Leitung"}
LIVE = 5_000  # "within a few seconds" of a publish or a resolution


@pytest.fixture(scope="module")
def lead(base_url: str) -> Iterator[httpx.Client]:
    ensure_user(base_url, LEAD, ["agent", "lead"])
    client = staff_client(base_url, LEAD)
    yield client
    client.close()


def open_chat(page: Page, url: str, hello: str, stack: Stack) -> str:
    """Open the widget, start a conversation with ``hello``; returns the conversation's id from the records."""
    page.goto(url)
    expect(page.locator("#servicedesk-widget")).to_have_attribute("data-state", "ready", timeout=BOT)
    page.locator("#sd-launcher").click()
    say(page, hello)
    settled(page, hello)
    path = stack.settings.records.var_dir / "servicedesk.db"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as db:
        (found,) = db.execute(
            "SELECT conversation_id FROM messages WHERE role = 'user' AND text = ? ORDER BY id DESC LIMIT 1", (hello,)
        ).fetchone()
    return str(found)


def banner(page: Page):  # noqa: ANN201 - a Playwright Locator
    return page.locator("#sd-incident")


def test_banner_live_push_and_badge(
    browser: Browser, stack: Stack, base_url: str, intranet: str, lead: httpx.Client
) -> None:
    tag = uuid.uuid4().hex[:6]
    title = f"E-Mail-Versand gestört {tag}"
    resp = lead.post(
        "/api/incidents",
        json={"title": title, "symptoms": "Outlook hängt beim Senden.", "status_text": "Interner Stand: Relay 2"},
    )
    assert resp.status_code == 201, resp.text
    iid = resp.json()["incident"]["id"]
    engine = open_db(stack.settings.records.db_url)
    open_ctx, open_page, open_dialogs = new_context(browser, axe=False)  # the strict CSP stays in force here
    closed_ctx, closed_page, closed_dialogs = new_context(browser, axe=True)
    problems: list[str] = []
    open_page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    try:
        first = open_chat(open_page, f"{intranet}/strict.html", f"Hallo, kennung {tag}", stack)
        expect(banner(open_page)).to_have_attribute("role", "status")
        expect(banner(open_page)).not_to_contain_text(title)  # a draft is nobody's business yet

        resp = lead.post(f"/api/incidents/{iid}/publish")
        assert resp.status_code == 200, resp.text
        expect(banner(open_page)).to_contain_text(f"Aktuelle Störung: {title}", timeout=LIVE)
        expect(banner(open_page)).not_to_contain_text("Relay 2")  # only the published title, no internal field
        assert deep_active(open_page)["id"] == "sd-input"  # the banner does not take the focus

        second = open_chat(closed_page, f"{intranet}/index.html", f"Guten Tag, kennung {tag}", stack)
        expect(banner(closed_page)).to_contain_text(title, timeout=LIVE)
        assert_accessible(closed_page, "open widget with the incident banner")
        closed_page.locator("#sd-close").click()
        expect(closed_page.locator("#sd-panel")).to_be_hidden()

        at = datetime.now(UTC)
        for conversation, matched in ((first, 3), (second, 1)):
            assert incidents.subscribe(engine, iid, conversation)  # what "Benachrichtigen Sie mich" stores
            with engine.begin() as conn:  # and what the chat records when it answers with the incident
                conn.execute(
                    insert(incident_matches).values(
                        incident_id=iid, conversation_id=conversation, language="de", choice="subscribe",
                        messages=matched, at=at, updated_at=at,
                    )
                )  # fmt: skip
        resp = lead.post(f"/api/incidents/{iid}/resolve", json={"text": "Mails gehen wieder."})
        assert resp.status_code == 200 and resp.json()["notified"] == 2, resp.text
        resolved = f"Die Störung „{title}“ ist behoben: Mails gehen wieder."

        # Open widget: the resolution arrives live, with the closing question; the banner goes.
        expect(open_page.locator("#sd-log")).to_contain_text(resolved, timeout=LIVE)
        expect(open_page.locator("#sd-log")).to_contain_text("Wie zufrieden sind Sie", timeout=LIVE)
        expect(banner(open_page)).not_to_contain_text(title, timeout=LIVE)
        open_page.locator('#sd-log [data-csat="open"] [data-score="5"]').last.click()
        expect(open_page.locator("#sd-log")).to_contain_text("Vielen Dank für Ihre Bewertung!", timeout=BOT)

        # Closed widget: the launcher counts the two new messages; the history has them after a reload.
        badge = closed_page.locator("#sd-badge")
        expect(badge).to_be_visible(timeout=LIVE)
        expect(badge).to_contain_text("2 neue Nachrichten")
        closed_page.reload()
        expect(closed_page.locator("#servicedesk-widget")).to_have_attribute("data-state", "ready", timeout=BOT)
        closed_page.locator("#sd-launcher").click()
        expect(closed_page.locator("#sd-log")).to_contain_text(resolved, timeout=BOT)
        expect(closed_page.locator("#sd-log .msg").last).to_contain_text("Wie zufrieden sind Sie")
        expect(banner(closed_page)).not_to_contain_text(title)
        assert_accessible(closed_page, "reopened widget after the resolution")

        counters = lead.get(f"/api/incidents/{iid}").json()["incident"]["counters"]
        assert (counters["matched_messages"], counters["subscribers"], counters["deflected"]) == (4, 2, 2)
        assert counters["csat"] == {"asked": 2, "answered": 1, "average": 5.0, "satisfied": 1.0}

        # The console shows the same counters, team level, axe-clean.
        console = closed_ctx.new_page()
        open_incidents(console, base_url, LEAD)
        figures = console.locator("#incident-list li", has_text=title).locator(".incident-figures")
        expect(figures.locator('[data-figure="matched"] dd')).to_have_text("4 Nachrichten in 2 Gesprächen", timeout=BOT)
        expect(figures.locator('[data-figure="deflected"] dd')).to_have_text("2 Gespräche")
        expect(figures.locator('[data-figure="linked"] dd')).to_have_text("0, davon 0 Tickets")
        expect(figures.locator('[data-figure="csat"] dd')).to_have_text("Ø 5,0 aus 1 Bewertungen")
        assert_accessible(console, "console incident list with its counters")
        assert not [p for p in problems if "Content Security Policy" in p], problems
        assert open_dialogs == [] and closed_dialogs == []
    finally:
        open_ctx.close()
        closed_ctx.close()
        engine.dispose()
