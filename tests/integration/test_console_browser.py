"""The agent console and the employee chat together, in real headless Chromium (Debian's package).

The stack runs with SERVICEDESK_ADMIN_USER/SERVICEDESK_ADMIN_PASSWORD below and SERVICEDESK_SERVICE_HOURS=always
(see conftest), so an escalation always goes to the live queue. The pages' CSP forbids eval, so every wait is
a selector, locator or ``expect`` (never ``wait_for_function``).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.integration.browser import new_context, staff_login
from tests.integration.conftest import ARTIFACTS, ensure_user

pytestmark = pytest.mark.integration
AGENT = {"username": "agent.browser", "password": "agent-browser-pass-123", "display_name": "Anna Agentin"}
EDITOR = {"username": "editor.browser", "password": "editor-browser-pass-123", "display_name": "Erik Editor"}
BOT = 30_000  # Rasa replies take a few seconds on two cores
LIVE = 60_000  # long-polls answer within ~25 s
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def accounts(browser: Browser, base_url: str) -> None:
    ensure_user(base_url, AGENT, ["agent"])
    ensure_user(base_url, EDITOR, ["editor"])


def say(page: Page, text: str) -> None:
    """Type into the chat widget (its Shadow DOM; Playwright's CSS locators pierce it)."""
    page.fill("#sd-input", text)
    page.press("#sd-input", "Enter")


def bot_said(page: Page, text: str) -> None:
    expect(page.locator("#sd-log")).to_contain_text(text, timeout=BOT)


def click_choice(page: Page, title: str) -> None:
    """Click the newest chat button with this title (older messages may carry the same one)."""
    page.locator("#sd-log button", has_text=title).last.click()


def queue_ids(page: Page) -> list[str]:
    entries = page.locator("#queue [data-id]")
    return [entries.nth(i).get_attribute("data-id") or "" for i in range(entries.count())]


def test_agent_takes_over_answers_and_resolves(browser: Browser, base_url: str, accounts: None) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    agent_ctx, console, console_dialogs = new_context(browser, 1280)
    chat_ctx, chat, chat_dialogs = new_context(browser, 800)
    try:
        # The agent is logged in first, so the new escalation has to arrive by long-poll.
        staff_login(console, f"{base_url}/console/", AGENT)
        expect(console.locator("#user-name")).to_have_text(AGENT["display_name"], timeout=BOT)
        expect(console.locator("html")).to_have_attribute("lang", "de")
        before = queue_ids(console)

        chat.goto(f"{base_url}/chat")
        expect(chat.locator("#servicedesk-fullscreen")).to_have_attribute("data-state", "ready", timeout=BOT)
        say(chat, "Mein Drucker druckt nicht, die Aufträge hängen")
        chat.locator("#sd-log .card a").first.wait_for(timeout=BOT)
        article_title = chat.locator("#sd-log .card .card-title").first.inner_text().strip()
        assert article_title
        say(chat, "Ich möchte mit einem Mitarbeiter sprechen")
        bot_said(chat, "Passt das?")
        chat.locator("#sd-log button", has_text="Ändern").last.wait_for(timeout=BOT)
        click_choice(chat, "Ändern")
        bot_said(chat, "Beschreiben Sie Ihr Anliegen bitte in einem Satz")
        say(chat, "Der Drucker im 2. OG druckt nicht")
        bot_said(chat, "Wie dringend ist es?")  # the sentence named the device: not asked again
        click_choice(chat, "Mehrere Personen betroffen")
        bot_said(chat, "Wie erreicht Sie der Service Desk")
        click_choice(chat, "Überspringen")
        bot_said(chat, "Ich habe Ihr Anliegen an den Service Desk übergeben")

        new_entry = "#queue [data-id]" + "".join(f':not([data-id="{i}"])' for i in before)
        entry = console.locator(new_entry, has_text="Drucker")
        entry.wait_for(timeout=LIVE)
        expect(entry).to_contain_text("seit")
        entry.click()
        card = console.locator("#context-card")
        expect(card).to_contain_text("Drucker im 2. OG", timeout=BOT)
        expect(card).to_contain_text(article_title)
        expect(console.locator("#transcript")).to_contain_text("Mein Drucker druckt nicht")
        console.screenshot(path=str(ARTIFACTS / "console-queue.png"), full_page=True)

        console.click("#claim")
        expect(console.locator("#claim")).to_be_hidden(timeout=BOT)
        bot_said(chat, "Sie sind jetzt mit dem Service Desk verbunden")

        reply = f"Guten Tag, bitte starten Sie den Drucker neu. {XSS}"
        console.fill("#reply", reply)
        console.click("#send")
        expect(console.locator("#messages")).to_contain_text(XSS, timeout=BOT)
        bot_said(chat, XSS)
        assert chat.locator("#sd-log img").count() == 0
        assert console.locator("#messages img").count() == 0

        say(chat, f"Danke, klappt jetzt {XSS}")  # an employee's markup reaches the console as text too
        expect(console.locator("#messages")).to_contain_text(f"Danke, klappt jetzt {XSS}", timeout=LIVE)
        assert console.locator("#messages img").count() == 0
        console.screenshot(path=str(ARTIFACTS / "console-conversation.png"), full_page=True)

        console.click("#resolve")
        bot_said(chat, "als erledigt markiert")
        expect(console.locator("#send")).to_be_disabled(timeout=BOT)
        chat.screenshot(path=str(ARTIFACTS / "chat-handoff.png"), full_page=True)

        console.get_by_role("tab", name="Tickets").click()
        expect(console.locator("#tickets")).to_be_visible()
        assert chat_dialogs == [] and console_dialogs == []
    finally:
        agent_ctx.close()
        chat_ctx.close()


def test_account_without_agent_role_is_refused(browser: Browser, base_url: str, accounts: None) -> None:
    context, page, _ = new_context(browser, 1024)
    try:
        staff_login(page, f"{base_url}/console/", {**EDITOR, "password": "not-the-password-123"})
        expect(page.locator("#login-error")).to_be_visible(timeout=BOT)
        assert page.locator("#login-error").inner_text().strip()

        page.get_by_label("Passwort").fill(EDITOR["password"])
        page.get_by_role("button", name="Anmelden").click()
        expect(page.locator("#no-role")).to_contain_text("nicht die Rolle „Agent“", timeout=BOT)
        expect(page.locator("#workspace")).to_be_hidden()
        assert context.request.get(f"{base_url}/api/escalations").status == 403
    finally:
        context.close()
