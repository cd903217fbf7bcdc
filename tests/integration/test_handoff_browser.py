"""The employee's chat and the agent console around a handoff, in real headless Chromium (Debian's package).

What a first day of real use found: an agent's sentence around an article link vanished behind the article card,
clicking an article hit sometimes inserted nothing, a waiting request could not be withdrawn (and "Gespräch
beenden" claimed the employee was connected), the red banner covered the last notice, and addresses, phone numbers
and e-mail addresses in messages were not clickable. The stack runs with SERVICEDESK_SERVICE_HOURS=always (see
conftest), so an escalation always goes to the live queue. The pages' CSP forbids eval, so every wait is a locator
or ``expect``; axe-core runs in contexts that bypass the CSP.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import APIResponse, Browser, BrowserContext, Page, Route, expect

from desk import escalations
from desk.db import open_db
from scripts.stack import Stack
from tests.integration.browser import BOT, assert_accessible, new_context, say, staff_login
from tests.integration.conftest import ensure_user

pytestmark = pytest.mark.integration
AGENT = {"username": "agent.handoff", "password": "agent-handoff-pass-123", "display_name": "Hanna Handoff"}
LIVE = 60_000  # long-polls answer within ~25 s
PROBLEM = "Mein Drucker druckt nicht, die Aufträge hängen"
QUEUED = "an den Service Desk übergeben"
SEARCH = re.compile(r".*/api/knowledge/search\?.*")


@pytest.fixture(scope="module")
def accounts(base_url: str) -> None:
    ensure_user(base_url, AGENT, ["agent"])


def replies_after(page: Page, act: Callable[[], None]) -> str:
    """Do ``act`` and wait for the assistant's answer to it; its last message's text."""
    answers = page.locator("#sd-log .msg:not(.msg-user)")
    before = answers.count()
    act()
    answers.nth(before).wait_for(timeout=BOT)
    expect(page.locator("#sd-typing")).to_be_hidden(timeout=BOT)
    return answers.last.inner_text()


def open_button(page: Page, title: str) -> bool:
    return page.locator("#sd-log .choices button:not([disabled])", has_text=title).count() > 0


def click(page: Page, title: str) -> None:
    page.locator("#sd-log .choices button:not([disabled])", has_text=title).last.click()


def escalate(page: Page) -> None:
    """Ask, then ask for a person and answer the handoff form until the request is queued (whatever it asks)."""
    replies_after(page, lambda: say(page, PROBLEM))
    said = replies_after(page, lambda: say(page, "Ich möchte mit einem Mitarbeiter sprechen"))
    for _ in range(8):
        if QUEUED in said:
            return
        if open_button(page, "Ja, passt"):
            said = replies_after(page, lambda: click(page, "Ja, passt"))
        elif open_button(page, "Mehrere Personen betroffen"):
            said = replies_after(page, lambda: click(page, "Mehrere Personen betroffen"))
        elif open_button(page, "Überspringen"):
            said = replies_after(page, lambda: click(page, "Überspringen"))
        else:
            said = replies_after(page, lambda: say(page, "Der Drucker im 2. OG, Raum 214"))
    raise AssertionError(f"not queued; the assistant said last: {said!r}")


def queue_ids(console: Page) -> set[str]:
    entries = console.locator("#queue [data-id]")
    return {entries.nth(i).get_attribute("data-id") or "" for i in range(entries.count())}


def open_new_entry(console: Page, before: set[str]) -> None:
    """The escalation that arrived after ``before`` (by long-poll), opened in the console."""
    entry = console.locator("#queue [data-id]" + "".join(f':not([data-id="{i}"])' for i in before))
    entry.first.wait_for(timeout=LIVE)
    entry.first.click()
    expect(console.locator("#detail-status")).to_have_text("wartet", timeout=BOT)


def console_for(browser: Browser, base_url: str) -> tuple[BrowserContext, Page, set[str]]:
    """An agent at the console with the queue loaded; the ids queued before this test."""
    context, console, _ = new_context(browser, 1280, axe=True)
    staff_login(console, f"{base_url}/console/", AGENT)
    expect(console.locator("#user-name")).to_have_text(AGENT["display_name"], timeout=BOT)
    expect(console.locator("#workspace")).to_be_visible(timeout=BOT)  # shown once the queue is loaded
    return context, console, queue_ids(console)


def test_a_waiting_request_is_withdrawn_and_no_banner_hides_the_last_notice(
    browser: Browser, base_url: str, accounts: None
) -> None:
    agent_ctx, console, before = console_for(browser, base_url)
    chat_ctx, chat, dialogs = new_context(browser, 360, 640, axe=True)  # a phone: the log scrolls
    try:
        chat.goto(f"{base_url}/chat")
        expect(chat.locator("#servicedesk-fullscreen")).to_have_attribute("data-state", "ready", timeout=BOT)
        escalate(chat)
        withdraw = chat.locator("#sd-withdraw")
        expect(withdraw).to_be_visible()
        expect(withdraw).to_have_text("Anfrage zurückziehen")
        open_new_entry(console, before)

        # "Gespräch beenden" while waiting: the truth (not "connected"), and the way out.
        last = chat.locator("#sd-log .msg").last
        expect(last).to_contain_text(QUEUED)
        chat.locator("#sd-end").click()
        banner = chat.locator("#sd-error")
        expect(banner).to_contain_text("Ihre Anfrage wartet noch auf den Service Desk", timeout=BOT)
        expect(banner).to_contain_text("Anfrage zurückziehen")
        expect(banner).not_to_contain_text("verbunden")
        # The banner takes room from the log, and the log scrolls on: the last notice stays fully in view.
        notice, log, red = last.bounding_box(), chat.locator("#sd-log").bounding_box(), banner.bounding_box()
        assert notice and log and red
        assert notice["y"] + notice["height"] <= min(log["y"] + log["height"], red["y"]) + 1, (notice, log, red)
        assert notice["y"] >= log["y"] - 1, (notice, log)
        assert_accessible(chat, "waiting, banner shown")

        withdraw.click()
        expect(chat.locator("#sd-log .msg-system").last).to_have_text(
            re.compile("Sie haben Ihre Anfrage an den Service Desk zurückgezogen"), timeout=BOT
        )
        expect(withdraw).to_be_hidden()
        expect(banner).to_be_hidden()
        assert_accessible(chat, "withdrawn")

        # The console: out of the queue, the open record says withdrawn and cannot be claimed.
        expect(console.locator("#detail-status")).to_have_text("von der Person zurückgezogen", timeout=LIVE)
        expect(console.locator("#claim")).to_be_hidden()
        expect(console.locator("#reply-hint")).to_contain_text("zurückgezogen")
        expect(console.locator("#queue [aria-current=true]")).to_have_count(0)
        assert_accessible(console, "console: withdrawn request")

        # The assistant is back: a question gets an answer, not "please be patient".
        said = replies_after(chat, lambda: say(chat, "Outlook sagt mein Postfach ist voll"))
        assert "Geduld" not in said, said
        assert dialogs == []
    finally:
        agent_ctx.close()
        chat_ctx.close()


def test_an_agent_sentence_around_an_article_link_arrives_whole_with_clickable_addresses(
    browser: Browser, base_url: str, accounts: None
) -> None:
    agent_ctx, console, before = console_for(browser, base_url)
    chat_ctx, chat, dialogs = new_context(browser, 800, axe=True)
    try:
        chat.goto(f"{base_url}/chat")
        expect(chat.locator("#servicedesk-fullscreen")).to_have_attribute("data-state", "ready", timeout=BOT)
        escalate(chat)
        open_new_entry(console, before)
        console.click("#claim")
        expect(console.locator("#claim")).to_be_hidden(timeout=BOT)

        # The article search, with an impatient agent: Enter twice while the first (slow) search runs, then the
        # mouse goes down on a hit just as any second answer would arrive. The click must insert the link.
        held: list[Route] = []
        console.route(SEARCH, lambda route: held.append(route))
        console.click("#insert-article")
        console.fill("#kb-query", "Drucker druckt nicht")
        console.press("#kb-query", "Enter")
        for _ in range(100):
            if held:
                break
            console.wait_for_timeout(100)
        assert len(held) == 1
        console.press("#kb-query", "Enter")
        console.wait_for_timeout(1000)  # time for a second request, if the page sends one
        held.pop(0).continue_()
        hit = console.locator("#kb-hits button.hit").first
        hit.wait_for(timeout=BOT)
        url = hit.get_attribute("data-url") or ""
        assert re.match(rf"{re.escape(base_url)}/kb/[a-z0-9-]+$", url), url
        hit.scroll_into_view_if_needed()
        box = hit.bounding_box()
        assert box
        console.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        console.mouse.down()
        for route in held:
            route.continue_()
        console.wait_for_timeout(1500)  # the late answer is rendered (or ignored) while the button is pressed
        console.mouse.up()
        expect(console.locator("#reply")).to_have_value(f"{url} ")
        console.unroute(SEARCH)
        # One search, one list: a late second answer neither duplicated it nor replaced it.
        hits = console.locator("#kb-hits button.hit")
        urls = [hits.nth(i).get_attribute("data-url") for i in range(hits.count())]
        assert urls and len(urls) == len(set(urls)) <= 5, urls

        sentence = (
            f"Guten Tag, der Artikel {url} hilft meist. Melden Sie sich unter 030 1234-567 oder "
            "it-service@stadt.example, falls nicht (Ticket SD-2026-000042 vom 03-12-2026). "
            "Bitte nie javascript:alert(1) öffnen."
        )
        console.fill("#reply", sentence)
        console.click("#send")

        # The employee: the whole sentence, the address as a link in it, and the article card below.
        reply = chat.locator("#sd-log .msg-agent").last
        expect(reply.locator(".text")).to_have_text(sentence, timeout=LIVE)
        expect(reply.locator(".card a")).to_have_attribute("href", url)
        inline = reply.locator(f'.text a[href="{url}"]')
        expect(inline).to_have_text(url)
        expect(inline).to_have_attribute("rel", re.compile(r"\bnoopener\b"))
        expect(inline).to_have_attribute("target", "_blank")
        expect(reply.locator('.text a[href="tel:0301234567"]')).to_have_text("030 1234-567")
        expect(reply.locator('.text a[href="mailto:it-service@stadt.example"]')).to_have_text(
            "it-service@stadt.example"
        )
        expect(reply.locator(".text a")).to_have_count(3)  # the ticket number, the date and javascript: stay text
        assert chat.locator("#sd-log a[href^='javascript']").count() == 0
        assert_accessible(chat, "agent reply with links")

        # The console: the same links in the live messages, and the bot's article address in the transcript.
        mine = console.locator("#messages li.agent").last
        expect(mine.locator(f'.msg-text a[href="{url}"]')).to_have_count(1)
        expect(mine.locator('.msg-text a[href="tel:0301234567"]')).to_have_count(1)
        expect(mine.locator('.msg-text a[href="mailto:it-service@stadt.example"]')).to_have_count(1)
        expect(mine.locator(".msg-text a")).to_have_count(3)
        expect(console.locator(f'#transcript a[href^="{base_url}/kb/"]').first).to_be_visible()
        assert console.locator("#messages a[href^='javascript'], #transcript a[href^='javascript']").count() == 0
        assert_accessible(console, "console: links in messages")

        # The employee's own phone number is stored redacted (README, "Privacy"): the agent sees the placeholder,
        # never the number, and no link is made of it.
        say(chat, "Danke! Ich bin unter 0171 2345678 erreichbar.")
        employee = console.locator("#messages li.user", has_text="erreichbar").last
        expect(employee).to_contain_text("[Telefon]", timeout=LIVE)
        expect(employee).not_to_contain_text("2345678")
        expect(employee.locator("a")).to_have_count(0)
        assert dialogs == []
    finally:
        agent_ctx.close()
        chat_ctx.close()


def queued(stack: Stack, what: str) -> escalations.Escalation:
    """A waiting escalation written straight into the records (as the action server does), for console-only tests."""
    engine = open_db(stack.settings.records.db_url)
    try:
        return escalations.create(
            engine,
            conversation_id=f"console-{what}-{uuid.uuid4().hex[:8]}",
            user_pseudonym="console-browser-test",
            language="de",
            reason="user_request",
            details={"description": f"Drucker druckt nicht ({what})"},
            intents=[],
            articles=[],
            transcript=[{"role": "user", "text": "Bitte einen Menschen", "ts": 1.0}],
        )
    finally:
        engine.dispose()


FLIPS = """() => {
  window.claimShown = [];
  new MutationObserver(() => { if (!document.getElementById("claim").hidden) { window.claimShown.push(1); } })
    .observe(document.getElementById("claim"), {attributes: true, attributeFilter: ["hidden"]});
}"""


def test_a_late_refresh_never_turns_a_claimed_request_back_and_the_hit_is_inserted(
    browser: Browser, base_url: str, stack: Stack, accounts: None
) -> None:
    """The occasional lost click: a refresh of the open record that started before the claim answered after it, so
    the console showed "waiting" again (reply box disabled, article search closed) under the agent's pointer. The
    refresh's answer is held back in the browser to make that moment certain."""
    mine = queued(stack, "late-refresh")
    agent_ctx, console, _ = console_for(browser, base_url)
    try:
        console.locator(f'#queue [data-id="{mine.id}"]').click()
        expect(console.locator("#detail-status")).to_have_text("wartet", timeout=BOT)
        record = re.compile(rf".*/api/escalations/{mine.id}$")
        held: list[tuple[Route, APIResponse]] = []

        def hold_first(route: Route) -> None:
            """The first refresh is answered by the server at once (still "waiting"); the page gets it later."""
            if held:
                route.continue_()
            else:
                held.append((route, route.fetch()))

        console.route(record, hold_first)
        queued(stack, "another")  # any change of the queue makes the console refresh the open record
        for _ in range(300):
            if held:
                break
            console.wait_for_timeout(100)
        assert len(held) == 1

        console.click("#claim")
        expect(console.locator("#claim")).to_be_hidden(timeout=BOT)
        console.click("#insert-article")
        console.fill("#kb-query", "Drucker druckt nicht")
        console.press("#kb-query", "Enter")
        hit = console.locator("#kb-hits button.hit").first
        hit.wait_for(timeout=BOT)
        url = hit.get_attribute("data-url") or ""
        hit.scroll_into_view_if_needed()
        box = hit.bounding_box()
        assert box
        console.evaluate(FLIPS)
        console.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        console.mouse.down()
        late, answer = held[0]
        assert answer.json()["status"] == "waiting"
        late.fulfill(response=answer)  # the refresh from before the claim arrives now
        console.wait_for_timeout(1500)
        console.mouse.up()
        expect(console.locator("#reply")).to_have_value(f"{url} ")
        assert console.evaluate("() => window.claimShown") == []
        expect(console.locator("#detail-status")).to_contain_text(AGENT["display_name"])
        expect(console.locator("#reply")).to_be_enabled()
    finally:
        agent_ctx.close()
