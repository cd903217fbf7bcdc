"""The chat's empty state and the legal pages in real headless Chromium (Debian's package), driven by Playwright.

Before the first message the widget shows the service hours, the short privacy notice (DSGVO Art. 13) with its link
to /datenschutz, and six starter topics; "Mit dem Service Desk sprechen" and the links to the privacy notice and the
accessibility statement are always there. A topic asks its article's question and the article comes; the escalation
button starts the escalation the bot's own button starts (/request_human). Addresses, e-mail addresses and phone
numbers in bot messages and on /kb/ pages are links. Every state axe-clean, in the widget also at 360 px.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.integration.browser import BOT, assert_accessible, assert_fits_and_accessible, new_context, settled
from tests.integration.conftest import ARTIFACTS

pytestmark = pytest.mark.integration
ESCALATE = "Mit dem Service Desk sprechen"


def open_widget(page: Page, intranet: str) -> None:
    """An intranet page with the chat open and its empty state filled in."""
    page.goto(f"{intranet}/index.html")
    expect(page.locator("#servicedesk-widget")).to_have_attribute("data-state", "ready", timeout=BOT)
    page.locator("#sd-launcher").click()
    expect(page.locator("#servicedesk-widget")).to_have_attribute("data-welcome", "ready", timeout=BOT)


def starter(page: Page) -> Locator:
    """The printer topic (an everyday topic, and the one the other tests ask most), else the first one."""
    printer = page.locator('#sd-topics button[data-slug="drucker-druckt-nicht"]')
    return printer if printer.count() else page.locator("#sd-topics button").first


@pytest.mark.parametrize("width", [1280, 360])
def test_empty_state_then_a_starter_topic_brings_its_article(
    browser: Browser, base_url: str, intranet: str, width: int
) -> None:
    context, page, dialogs = new_context(browser, width=width, height=800, axe=True)
    try:
        open_widget(page, intranet)
        welcome = page.locator("#sd-welcome")
        expect(welcome).to_be_visible()
        # The stack's desk is always staffed (conftest): the hours say so, and that it is open now.
        expect(page.locator("#sd-hours")).to_have_text("Service Desk erreichbar rund um die Uhr Jetzt erreichbar.")
        notice = page.locator("#sd-privacy")
        expect(notice).to_contain_text("pseudonym")
        expect(notice).to_contain_text("nach 30 Tagen gelöscht")
        expect(notice).to_contain_text("Verantwortlich: Stadtverwaltung Musterstadt")
        expect(notice.locator('a[href="mailto:datenschutz@stadt.example"]')).to_have_count(1)
        expect(notice.locator(f'a[href="{base_url}/datenschutz"]')).to_have_text(
            "Datenschutzhinweise (öffnet in neuem Tab)"
        )
        expect(page.locator("#sd-topics button")).to_have_count(6)
        expect(page.locator("#sd-escalate")).to_have_text(ESCALATE)
        expect(page.locator(f'.legal a[href="{base_url}/barrierefreiheit"]')).to_be_visible()
        assert_fits_and_accessible(page, "empty state", width)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"widget-welcome-{width}.png"))

        topic = starter(page)
        slug, question = topic.get_attribute("data-slug"), topic.inner_text()
        topic.click()
        settled(page, question)
        expect(welcome).to_be_hidden()
        card = page.locator("#sd-log .msg-bot .card a").first
        expect(card).to_have_attribute("href", f"{base_url}/kb/{slug}", timeout=BOT)
        expect(page.locator("#sd-escalate")).to_be_visible()  # always there, also in the conversation
        assert_fits_and_accessible(page, "starter topic answered", width)
        # 👎: the way to a person is offered in the conversation itself (next to a next article, or as the offer)
        page.locator("#sd-log button", has_text="Nein").last.click()
        expect(page.locator("#sd-log .msg-bot").last.locator("button", has_text=ESCALATE)).to_be_visible(timeout=BOT)
        assert_fits_and_accessible(page, "not helpful", width)
        assert dialogs == []
    finally:
        context.close()


def test_the_escalation_button_starts_the_escalation(browser: Browser, intranet: str) -> None:
    context, page, dialogs = new_context(browser, width=360, height=740, axe=True)
    try:
        open_widget(page, intranet)
        page.locator("#sd-escalate").click()
        settled(page, ESCALATE)
        # The same flow as the bot's own button (/request_human): nothing was said yet, so the form asks for it.
        expect(page.locator("#sd-log .msg-bot").last).to_contain_text("Beschreiben Sie", timeout=BOT)
        assert_fits_and_accessible(page, "escalation started", 360)
        assert dialogs == []
    finally:
        context.close()


def test_addresses_in_a_bot_answer_are_links(browser: Browser, intranet: str) -> None:
    context, page, _ = new_context(browser, axe=True)
    try:
        open_widget(page, intranet)
        page.fill("#sd-input", "Ich habe mein Passwort vergessen")
        page.press("#sd-input", "Enter")
        settled(page, "Ich habe mein Passwort vergessen")
        answer = page.locator("#sd-log .msg-bot", has_text="portal.stadt.example").last
        link = answer.locator('.text a[href="https://portal.stadt.example/"]')
        expect(link).to_have_attribute("target", "_blank")
        expect(link).to_have_attribute("rel", "noopener noreferrer")
        assert_accessible(page, "answer with links")
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 360])
def test_privacy_accessibility_and_article_pages(browser: Browser, base_url: str, width: int) -> None:
    context, page, dialogs = new_context(browser, width=width, axe=True)
    try:
        page.goto(f"{base_url}/datenschutz")
        expect(page.locator("h1")).to_have_text("Datenschutzhinweise zum IT-Assistenten")
        expect(page.locator("main")).to_contain_text("Gespräche 30 Tage")
        expect(page.locator("main h4", has_text="Tabelle messages")).to_have_count(1)  # the full register
        assert_fits_and_accessible(page, "/datenschutz", width)

        page.locator('footer a[href="/barrierefreiheit"]').click()
        expect(page.locator("h1")).to_have_text("Erklärung zur Barrierefreiheit")
        expect(page.locator("main h2")).to_contain_text(["Stand der Vereinbarkeit", "Feedback und Kontakt"])
        expect(page.locator('main a[href="mailto:barrierefreiheit@stadt.example"]')).to_have_count(1)
        assert_fits_and_accessible(page, "/barrierefreiheit", width)

        # An article: the portal, the e-mail address and the phone number in its text are links (kb.js).
        page.goto(f"{base_url}/kb/vpn-verbinden")
        main = page.locator("main")
        expect(main.locator('a.auto-link[href="mailto:servicedesk@stadt.example"]').first).to_be_visible()
        expect(main.locator('a.auto-link[href="tel:01234564444"]').first).to_be_visible()
        expect(main.locator('a.auto-link[href="https://portal.stadt.example/"]').first).to_be_visible()
        expect(page.locator('footer a[href="/barrierefreiheit"]')).to_be_visible()
        assert_fits_and_accessible(page, "/kb/vpn-verbinden", width)
        assert dialogs == []
    finally:
        context.close()
