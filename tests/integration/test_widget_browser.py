"""The intranet chat widget in real headless Chromium (Debian's package), driven by Playwright.

A tiny static server on a free loopback port plays the intranet: another origin, its own styles and its own button;
it embeds the widget with one script tag pointing at the stack's web service (the stack allows that origin in
SERVICEDESK_ALLOWED_ORIGINS, see conftest). The pages' CSP forbids eval, so every wait is a locator or ``expect``
(never ``wait_for_function``). axe-core is injected into contexts created with ``bypass_csp=True``; the CSP
itself stays as it is.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, WebSocket, expect

from scripts.stack import Stack
from tests.integration.browser import BOT, assert_accessible, deep_active, new_context, say, settled
from tests.integration.conftest import ARTIFACTS, ensure_user, staff_client
from tests.integration.intranet import HOST_BUTTON

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
LEAD = {"username": "lead.widget", "password": "lead-widget-password-1", "display_name": "Lena Leitung"}
QUESTION = "Mein Drucker druckt nicht, die Aufträge hängen"
THANKS = "Vielen Dank für Ihre Bewertung!"
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def lead(base_url: str) -> Iterator[httpx.Client]:
    """A logged-in lead (created through the admin API; an existing account is fine)."""
    ensure_user(base_url, LEAD, ["lead"])
    client = staff_client(base_url, LEAD)
    yield client
    client.close()


def widget(page: Page) -> Locator:
    return page.locator("#servicedesk-widget")


def ready(page: Page) -> None:
    expect(widget(page)).to_have_attribute("data-state", "ready", timeout=BOT)


def tab_to(page: Page, element_id: str, key: str = "Tab", limit: int = 15) -> None:
    for _ in range(limit):
        page.keyboard.press(key)
        active = deep_active(page)
        if active and active["id"] == element_id:
            return
    raise AssertionError(f"#{element_id} not reached with {key}; focus is on {deep_active(page)}")


def open_and_say(page: Page, url: str, text: str) -> None:
    """Open an intranet page and the chat, send ``text`` and wait for the reply."""
    page.goto(url)
    ready(page)
    page.locator("#sd-launcher").click()
    say(page, text)
    settled(page, text)


def log(page: Page) -> Locator:
    return page.locator("#sd-log")


def database(stack: Stack) -> sqlite3.Connection:
    path = stack.settings.records.var_dir / "servicedesk.db"
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)


def ratings(stack: Stack, score: int) -> int:
    with database(stack) as db:
        return db.execute("SELECT count(*) FROM csat_ratings WHERE score = ?", (score,)).fetchone()[0]


def rows(stack: Stack) -> tuple[int, int]:
    """Conversations and messages in the records."""
    with database(stack) as db:
        return (
            db.execute("SELECT count(*) FROM conversations").fetchone()[0],
            db.execute("SELECT count(*) FROM messages").fetchone()[0],
        )


def host_button_style(page: Page) -> dict[str, str]:
    return page.locator("#host-button").evaluate(
        "b => { const s = getComputedStyle(b); "
        "return {color: s.color, fontFamily: s.fontFamily, fontSize: s.fontSize, backgroundColor: s.backgroundColor}; }"
    )


def test_employee_asks_rates_with_the_keyboard_and_keeps_the_history(
    browser: Browser, stack: Stack, base_url: str, intranet: str, lead: httpx.Client
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    fives_before = ratings(stack, 5)
    lead_before = lead.get("/api/insights/csat").json()
    context, page, dialogs = new_context(browser, axe=True)
    try:
        page.goto(f"{intranet}/index.html")
        ready(page)
        launcher = page.locator("#sd-launcher")
        expect(launcher).to_have_attribute("aria-expanded", "false")
        expect(page.locator("#sd-panel")).to_be_hidden()
        assert_accessible(page, "closed")

        # Keyboard only: Tab through the intranet page to the launcher, Enter opens, focus is in the composer.
        tab_to(page, "sd-launcher")
        page.keyboard.press("Enter")
        expect(page.locator("#sd-panel")).to_be_visible()
        expect(launcher).to_have_attribute("aria-expanded", "true")
        assert deep_active(page)["id"] == "sd-input"
        panel = page.locator("#sd-panel")
        assert panel.get_attribute("role") == "dialog" and panel.get_attribute("aria-modal") == "false"
        assert page.locator("#sd-log").get_attribute("role") == "log"
        # Escape closes and gives the focus back to the launcher; Enter opens again.
        page.keyboard.press("Escape")
        expect(panel).to_be_hidden()
        assert deep_active(page)["id"] == "sd-launcher"
        page.keyboard.press("Enter")
        expect(panel).to_be_visible()
        assert_accessible(page, "open")
        page.screenshot(path=str(ARTIFACTS / "widget-open.png"))

        page.keyboard.type(QUESTION)
        page.keyboard.press("Enter")
        card = page.locator("#sd-log .card a").first
        card.wait_for(timeout=BOT)
        href = card.get_attribute("href") or ""
        assert href.startswith(f"{base_url}/kb/") and href.endswith("/kb/drucker-druckt-nicht"), href
        expect(log(page)).to_contain_text("Hat Ihnen das geholfen?", timeout=BOT)
        settled(page, QUESTION)
        page.locator("#sd-log button", has_text="Ja").last.click()
        settled(page, "Ja")
        page.screenshot(path=str(ARTIFACTS / "widget-conversation.png"))

        say(page, "Tschüss")
        csat = page.locator('#sd-log [data-csat="open"]').last
        csat.wait_for(timeout=BOT)
        expect(csat.locator("button")).to_have_count(5)
        assert_accessible(page, "conversation + CSAT")
        page.screenshot(path=str(ARTIFACTS / "widget-csat.png"))

        # Keyboard only: from the composer back to the rating, arrow keys within it, Space rates.
        page.locator("#sd-input").focus()
        for _ in range(10):
            page.keyboard.press("Shift+Tab")
            if (deep_active(page) or {}).get("score"):
                break
        first = deep_active(page)["score"]
        assert first, f"no rating button reached with Shift+Tab; focus is on {deep_active(page)}"
        page.keyboard.press("ArrowLeft")
        assert deep_active(page)["score"] == str((int(first) - 2) % 5 + 1)
        for _ in range(5):
            if deep_active(page)["score"] == "5":
                break
            page.keyboard.press("ArrowRight")
        assert deep_active(page)["score"] == "5"
        page.keyboard.press("Space")
        expect(log(page)).to_contain_text(THANKS, timeout=BOT)
        five = page.locator('#sd-log [data-score="5"]').last
        expect(five).to_be_disabled()
        expect(five).to_have_class(re.compile(r"\bchosen\b"))
        expect(log(page)).to_contain_text("Möchten Sie uns noch etwas mitteilen?", timeout=BOT)

        # Stored: in the database (no user id next to the score) and in the lead's figures.
        with database(stack) as db:
            columns = {row[1] for row in db.execute("PRAGMA table_info(csat_ratings)")}
            newest = db.execute(
                "SELECT score, resolution_path, language FROM csat_ratings ORDER BY rowid DESC LIMIT 1"
            ).fetchone()
        assert {"conversation_id", "score", "comment", "resolution_path", "language", "created_at"} <= columns
        assert not [c for c in columns if any(w in c.lower() for w in ("user", "sender", "employee", "pseudonym"))]
        assert ratings(stack, 5) > fives_before
        assert newest == (5, "bot", "de")
        figures = lead.get("/api/insights/csat")
        assert figures.status_code == 200, figures.text
        body = figures.json()
        # exactly this rating was added (other tests of the stack rate too, but not meanwhile)
        assert body["answered"] == lead_before["answered"] + 1, body
        assert body["distribution"]["5"] == lead_before["distribution"]["5"] + 1, body

        # A reload keeps the conversation (from the server); the rating stays answered.
        page.reload()
        ready(page)
        if launcher.get_attribute("aria-expanded") != "true":
            launcher.click()
        expect(log(page)).to_contain_text(QUESTION, timeout=BOT)
        expect(log(page)).to_contain_text(THANKS)
        expect(page.locator("#sd-log .card a").first).to_have_attribute("href", href)
        expect(page.locator('#sd-log [data-score="5"]').last).to_be_disabled()

        # The intranet keeps its look; the widget keeps its own.
        assert host_button_style(page) == HOST_BUTTON
        assert launcher.evaluate("b => getComputedStyle(b).fontFamily") != "serif"
        assert launcher.evaluate("b => getComputedStyle(b).position") == "fixed"
        assert (
            page.locator("#servicedesk-widget .msg-bot .text").first.evaluate("e => getComputedStyle(e).color")
            == "rgb(26, 26, 26)"
        )

        # 200 % zoom on a 1280 × 900 screen, then a phone: the open panel fills the window, the composer fits.
        for width, height in ((640, 450), (360, 740)):
            page.set_viewport_size({"width": width, "height": height})
            box = panel.bounding_box()
            assert box and box["x"] == 0 and box["width"] == width, box
            send_box = page.locator("#sd-send").bounding_box()
            assert send_box and send_box["x"] + send_box["width"] <= width and send_box["y"] < height, send_box
        assert_accessible(page, "phone")
        page.screenshot(path=str(ARTIFACTS / "widget-phone.png"))
        assert dialogs == []
    finally:
        context.close()


def test_an_idle_page_view_costs_no_session_no_row_and_no_websocket(
    browser: Browser, stack: Stack, intranet: str
) -> None:
    """Until the launcher is clicked only the loader, its style and its words load: no session, no history, no
    chat module, no WebSocket and no database row. Opening the chat asks for a session and connects, but a
    conversation (and its rows) starts only with the first message."""
    context, page, _ = new_context(browser, axe=False)
    sockets: list[str] = []
    requests: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.on("request", lambda r: requests.append(r.url))
    before = rows(stack)
    try:
        page.goto(f"{intranet}/index.html")
        ready(page)
        page.wait_for_load_state("networkidle")
        assert [u for u in requests if "/api/" in u or "/static/chat/" in u] == [], requests
        assert sockets == [] and page.locator("#sd-panel").count() == 0
        assert rows(stack) == before

        page.locator("#sd-launcher").click()
        expect(widget(page)).to_have_attribute("data-transport", "websocket", timeout=BOT)
        assert [u for u in requests if u.endswith("/api/chat/session")] and sockets
        assert rows(stack) == before
    finally:
        context.close()


def test_a_message_with_markup_shows_literally(browser: Browser, intranet: str) -> None:
    context, page, dialogs = new_context(browser, axe=False)
    try:
        open_and_say(page, f"{intranet}/index.html", XSS)
        expect(page.locator("#sd-log .msg-user .text").last).to_have_text(XSS)
        assert page.locator("#servicedesk-widget img").count() == 0
        assert page.locator("img").count() == 0
        assert dialogs == []
    finally:
        context.close()


def test_the_widget_works_under_a_strict_host_csp(browser: Browser, intranet: str) -> None:
    """No inline styles or scripts needed: the intranet may forbid them; the chat goes over the WebSocket."""
    context, page, dialogs = new_context(browser, axe=False)
    problems: list[str] = []
    sockets: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    frames: list[str] = []

    def on_socket(ws: WebSocket) -> None:
        sockets.append(ws.url)
        ws.on("framereceived", lambda payload: frames.append(payload if isinstance(payload, str) else ""))

    page.on("websocket", on_socket)
    try:
        page.goto(f"{intranet}/strict.html")
        ready(page)
        launcher = page.locator("#sd-launcher")
        assert launcher.evaluate("b => getComputedStyle(b).position") == "fixed"
        launcher.click()
        expect(widget(page)).to_have_attribute("data-transport", "websocket", timeout=BOT)
        say(page, "Hallo")
        expect(log(page)).to_contain_text("Guten Tag", timeout=BOT)
        settled(page, "Hallo")
        # The reply came over the WebSocket (cross-origin, allowed), not only over the long-poll fallback.
        assert [u for u in sockets if u.endswith("/api/chat/ws")], sockets
        for _ in range(50):  # the POST answer shows first; the pushed copy follows within a poll interval
            if [f for f in frames if '"messages"' in f and "Guten Tag" in f]:
                break
            page.wait_for_timeout(200)
        assert [f for f in frames if '"messages"' in f and "Guten Tag" in f], frames
        assert not [p for p in problems if "Content Security Policy" in p], problems
        assert host_button_style(page) == HOST_BUTTON
        assert dialogs == []
    finally:
        context.close()


def test_a_signed_in_employee_finds_the_conversation_on_another_device(browser: Browser, intranet: str) -> None:
    """The intranet's token names the employee: another browser profile shows the same conversation; a forged
    token does not (the widget then chats anonymously)."""
    first, page, _ = new_context(browser, axe=False)
    second, other, _ = new_context(browser, axe=False)
    forged, stranger, _ = new_context(browser, axe=False)
    # letters only: a run of digits would be stored redacted as [Telefon]
    note = "Notiz vom Schreibtisch " + uuid.uuid4().hex[:10].translate(str.maketrans("0123456789", "ghijklmnop"))
    try:
        open_and_say(page, f"{intranet}/signed.html", note)

        other.goto(f"{intranet}/signed.html")
        ready(other)
        other.locator("#sd-launcher").click()
        expect(log(other)).to_contain_text(note, timeout=BOT)

        stranger.goto(f"{intranet}/forged.html")
        ready(stranger)
        stranger.locator("#sd-launcher").click()
        expect(stranger.locator("#sd-intro")).to_be_visible()
        expect(log(stranger)).not_to_contain_text(note)
    finally:
        first.close()
        second.close()
        forged.close()


def test_killing_the_web_service_right_after_the_click_loses_no_rating(
    browser: Browser, stack: Stack, intranet: str
) -> None:
    context, page, _ = new_context(browser, axe=False)
    try:
        open_and_say(page, f"{intranet}/index.html", "Mein Passwort ist abgelaufen")
        page.locator("#sd-end").click()
        four = page.locator('#sd-log [data-csat="open"] [data-score="4"]').last
        four.wait_for(timeout=BOT)
        before = ratings(stack, 4)
        four.click()
        expect(log(page)).to_contain_text(THANKS, timeout=BOT)
        web = stack.procs["web"]
        os.killpg(web.pid, signal.SIGKILL)  # the moment the thanks is shown
        web.wait(30)
        assert ratings(stack, 4) == before + 1
    finally:
        context.close()
        if stack.procs["web"].poll() is not None:
            stack.start(only=("web",))
            stack.wait_healthy(timeout=300)
