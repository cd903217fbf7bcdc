"""The chat page in real headless Chromium (Debian's package), driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.integration.conftest import ARTIFACTS

pytestmark = pytest.mark.integration


@pytest.fixture
def page(browser: Browser, stack) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 800, "height": 900}, locale="de-DE")
    pg = context.new_page()
    pg.goto(f"http://{stack.settings.host}:{stack.settings.web_port}/chat")
    yield pg
    context.close()


def send(page: Page, text: str) -> None:
    page.fill("#text", text)
    page.keyboard.press("Enter")


def test_employee_gets_the_article_and_can_say_it_did_not_help(page: Page) -> None:
    send(page, "Hallo")
    page.wait_for_selector("text=Guten Tag!")
    send(page, "Mein Drucker druckt nicht mehr, die Aufträge bleiben hängen")
    page.wait_for_selector("text=Hat Ihnen das geholfen?")
    link = page.locator(".msg.bot a").first
    assert link.get_attribute("href").endswith("/kb/drucker-druckt-nicht")
    page.locator("button", has_text="Nein").last.click()
    page.locator(".msg.bot").nth(4).wait_for()  # (the page's CSP forbids eval, so no wait_for_function)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-printer.png"), full_page=True)
    log = page.inner_text("#log")
    assert "versuchen wir es hiermit" in log or "Service Desk weitergeben" in log


def test_keyboard_only_and_text_is_never_html(page: Page) -> None:
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") in {"log", "text"}
    send(page, '<img src=x onerror="window.pwned=1"> Drucker')
    page.wait_for_selector(".msg.bot")
    assert page.evaluate("window.pwned === undefined")
    assert page.locator(".msg.user img").count() == 0
    assert "<img" in page.inner_text(".msg.user")


def test_article_link_opens_the_article_page(page: Page, stack) -> None:
    send(page, "Outlook sagt mein Postfach ist voll")
    page.wait_for_selector(".msg.bot a")
    href = page.locator(".msg.bot a").first.get_attribute("href")
    page.goto(href)
    assert page.locator("h1").inner_text().startswith("Outlook")
    assert page.locator("ol li").count() >= 3
