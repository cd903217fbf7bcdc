"""The full-screen chat page (the widget in its full-screen mode) in real headless Chromium, driven by Playwright.

The widget builds its UI in an open Shadow DOM; Playwright's CSS locators pierce it. The page's CSP forbids
eval, so every wait is a locator or ``expect`` (never ``wait_for_function``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.integration.browser import BOT, assert_accessible, deep_active, new_context, say, settled
from tests.integration.conftest import ARTIFACTS

pytestmark = pytest.mark.integration


@pytest.fixture
def page(browser: Browser, stack) -> Iterator[Page]:
    # bypass_csp only lets the tests inject axe-core; the page's own CSP stays as it is
    context, pg, _ = new_context(browser, 800, 900, axe=True)
    pg.goto(f"{stack.settings.servers.web_url}/chat")
    expect(pg.locator("#servicedesk-fullscreen")).to_have_attribute("data-state", "ready", timeout=BOT)
    yield pg
    context.close()


def test_employee_gets_the_article_and_can_say_it_did_not_help(page: Page) -> None:
    say(page, "Hallo")
    expect(page.locator("#sd-log")).to_contain_text("Guten Tag!", timeout=BOT)
    say(page, "Mein Drucker druckt nicht mehr, die Aufträge bleiben hängen")
    expect(page.locator("#sd-log")).to_contain_text("Hat Ihnen das geholfen?", timeout=BOT)
    link = page.locator("#sd-log .card a").first
    assert (link.get_attribute("href") or "").endswith("/kb/drucker-druckt-nicht")
    page.locator("#sd-log button", has_text="Nein").last.click()
    # No further article close enough to the best (the next one is about something else): the honest offer.
    expect(page.locator("#sd-log")).to_contain_text("Service Desk weitergeben", timeout=BOT)
    expect(page.locator("#sd-log .card a")).to_have_count(1)
    expect(page.locator("#sd-log button", has_text="Mit dem Service Desk sprechen").last).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-printer.png"), full_page=True)


def test_keyboard_only_and_text_is_never_html(page: Page) -> None:
    # Full screen: no launcher and no close button; the tab order runs header, the empty state (the privacy
    # notice's two links, six topics), conversation, composer.
    assert page.locator("#sd-launcher").count() == 0 and page.locator("#sd-close").count() == 0
    expect(page.locator("#sd-topics button")).to_have_count(6, timeout=BOT)
    order = []
    for _ in range(13):
        page.keyboard.press("Tab")
        order.append((deep_active(page) or {}).get("tag"))
        order[-1] = (deep_active(page) or {}).get("id") or order[-1]
    assert order == ["sd-new", "sd-end", "A", "A", *["BUTTON"] * 6, "sd-log", "sd-input", "sd-send"], order
    page.keyboard.press("Shift+Tab")
    page.keyboard.type('<img src=x onerror="window.pwned=1"> Drucker')
    page.keyboard.press("Enter")
    settled(page, "<img")
    assert page.evaluate("window.pwned === undefined")
    assert page.locator("#sd-log img").count() == 0
    assert "<img" in page.locator("#sd-log .msg-user .text").last.inner_text()


def test_article_link_opens_the_article_page(page: Page) -> None:
    say(page, "Outlook sagt mein Postfach ist voll")
    page.locator("#sd-log .card a").first.wait_for(timeout=BOT)
    href = page.locator("#sd-log .card a").first.get_attribute("href")
    page.goto(href)
    assert page.locator("h1").inner_text().startswith("Outlook")
    assert page.locator("ol li").count() >= 3


def test_the_full_screen_page_passes_axe(browser: Browser, stack) -> None:
    context = browser.new_context(viewport={"width": 800, "height": 900}, locale="de-DE", bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{stack.settings.servers.web_url}/chat")
        expect(page.locator("#servicedesk-fullscreen")).to_have_attribute("data-state", "ready", timeout=BOT)
        assert_accessible(page, "full screen")
    finally:
        context.close()


def test_a_vague_message_gets_areas_that_lead_to_an_article(page: Page) -> None:
    """Issue 18: "geht nix mehr" → the areas as buttons → "Drucker" → a printer article with the feedback."""
    say(page, "geht nix mehr")
    expect(page.locator("#sd-log")).to_contain_text("Worum geht es ungefähr?", timeout=BOT)
    areas = page.locator("#sd-log .msg-bot").last.locator("button")
    assert areas.all_inner_texts() == [
        "Anmeldung/Passwort",
        "E-Mail",
        "Drucker",
        "VPN/Netzwerk",
        "Telefon",
        "Software",
        "Sonstiges",
    ]
    assert_accessible(page, "topic buttons")
    areas.filter(has_text="Drucker").click()
    expect(page.locator("#sd-log")).to_contain_text("Hat Ihnen das geholfen?", timeout=BOT)
    assert "/kb/drucker-" in (page.locator("#sd-log .card a").last.get_attribute("href") or "")


def test_after_a_thumbs_down_the_next_article_comes_with_the_way_to_a_person(page: Page) -> None:
    """Two VPN articles are equally close: 👎 on the first brings the second, with the escalation label beside it."""
    say(page, "VPN verbindet nicht")
    expect(page.locator("#sd-log")).to_contain_text("Hat Ihnen das geholfen?", timeout=BOT)
    page.locator("#sd-log button", has_text="Nein").last.click()
    expect(page.locator("#sd-log")).to_contain_text("Dann versuchen wir es hiermit", timeout=BOT)
    expect(page.locator("#sd-log .card a")).to_have_count(2)
    buttons = page.locator("#sd-log .msg-bot").last.locator("button")
    expect(buttons).to_have_text(["👍 Ja", "👎 Nein", "Mit dem Service Desk sprechen"])
    assert_accessible(page, "next article with the way to a person")
