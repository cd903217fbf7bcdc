"""The chat when it cannot reach the desk, in real headless Chromium: a clear failure, a retry, nothing lost.

Two ways a first day goes wrong: the intranet page's origin is not in SERVICEDESK_ALLOWED_ORIGINS (the browser
refuses the chat API's answers), or the web service is not reachable. Before, the message looked sent and "Assistent
schreibt …" stayed forever. The pages' CSP forbids eval, so every wait is a locator or ``expect``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from scripts.stack import Stack, free_port
from tests.integration.browser import BOT, assert_accessible, say
from tests.integration.intranet import serve_intranet

pytestmark = pytest.mark.integration
QUESTION = "Mein Drucker druckt nicht, die Aufträge hängen"
CHAT_API = re.compile(r".*/api/chat/.*")


@pytest.fixture(scope="module")
def foreign(tmp_path_factory: pytest.TempPathFactory, stack: Stack, base_url: str) -> Iterator[str]:
    """An intranet on an origin that SERVICEDESK_ALLOWED_ORIGINS does not list (conftest allows another one)."""
    origin = f"http://127.0.0.1:{free_port()}"
    with serve_intranet(tmp_path_factory.mktemp("foreign"), stack, base_url, origin) as served:
        yield served


def failed(page: Page, host: str) -> None:
    """The chat gave up connecting: it says so, offers a retry, and shows no endless typing indicator."""
    expect(page.locator(host)).to_have_attribute("data-connection", "failed", timeout=BOT)
    expect(page.locator("#sd-error")).to_contain_text("nicht erreichbar")
    expect(page.locator("#sd-retry")).to_be_visible()
    expect(page.locator("#sd-retry")).to_have_text("Erneut versuchen")


def kept(page: Page, text: str) -> None:
    """The message is shown as not sent, given back to the composer, and nothing pretends to answer."""
    bubble = page.locator("#sd-log .msg-user", has_text=text).last
    expect(bubble).to_contain_text("(nicht gesendet)", timeout=BOT)
    expect(page.locator("#sd-typing")).to_be_hidden(timeout=BOT)
    expect(page.locator("#sd-input")).to_have_value(text)
    expect(page.locator("#sd-error")).to_be_visible()
    expect(page.locator("#sd-retry")).to_be_visible()


def test_a_page_whose_origin_is_not_allowed_says_so_and_keeps_the_message(browser: Browser, foreign: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    try:
        page.goto(f"{foreign}/index.html")
        expect(page.locator("#servicedesk-widget")).to_have_attribute("data-state", "ready", timeout=BOT)
        page.locator("#sd-launcher").click()
        failed(page, "#servicedesk-widget")
        # Whoever embeds the widget learns which setting is missing what (the hint comes after one more request).
        for _ in range(50):
            if any("SERVICEDESK_ALLOWED_ORIGINS" in w for w in warnings):
                break
            page.wait_for_timeout(100)
        hint = [w for w in warnings if "SERVICEDESK_ALLOWED_ORIGINS" in w]
        assert len(hint) == 1 and foreign in hint[0] and "does not let this page" in hint[0], warnings
        assert_accessible(page, "widget cannot connect")

        say(page, QUESTION)
        kept(page, QUESTION)
        assert_accessible(page, "message not sent")
        # Trying again on a page that stays refused fails again, still clearly, and still keeps the message.
        page.locator("#sd-retry").click()
        failed(page, "#servicedesk-widget")
        kept(page, QUESTION)
        assert len([w for w in warnings if "SERVICEDESK_ALLOWED_ORIGINS" in w]) == 1  # said once per page
    finally:
        context.close()


def test_a_desk_that_was_unreachable_gets_the_kept_message_on_retry(browser: Browser, base_url: str) -> None:
    """The chat API is unreachable (the browser's requests to it fail), then back: "Erneut versuchen" sends the kept
    message once, and the answer arrives."""
    context = browser.new_context(viewport={"width": 800, "height": 900}, locale="de-DE", bypass_csp=True)
    page = context.new_page()

    def unreachable(route: Route) -> None:
        route.abort("connectionrefused")

    try:
        page.route(CHAT_API, unreachable)
        page.goto(f"{base_url}/chat")
        failed(page, "#servicedesk-fullscreen")
        say(page, QUESTION)
        kept(page, QUESTION)

        page.unroute(CHAT_API, unreachable)
        page.locator("#sd-retry").click()
        page.locator("#sd-log .msg-user[data-id]", has_text=QUESTION).wait_for(timeout=BOT)
        expect(page.locator("#sd-log .card a").first).to_be_visible(timeout=BOT)
        expect(page.locator("#servicedesk-fullscreen")).to_have_attribute("data-connection", "ok")
        expect(page.locator("#sd-log .msg-user")).to_have_count(1)  # sent once: not twice, not lost
        expect(page.locator("#sd-log")).not_to_contain_text("(nicht gesendet)")
        expect(page.locator("#sd-input")).to_have_value("")
        expect(page.locator("#sd-error")).to_be_hidden()
        expect(page.locator("#sd-typing")).to_be_hidden(timeout=BOT)
        assert_accessible(page, "sent after retry")
    finally:
        context.close()
