"""Screenshots through the real stack: a rendered error dialog is uploaded, OCR'd by Tesseract, quoted, answered.

Three dialogs of ``bench.ocr_dialogs`` (two German, one English) go through ``POST /api/chat/attachments``
like the widget sends them; one German dialog goes through the widget's file picker in Chromium (axe on the
states it passes). The full 20-dialog figure is ``python -m bench.ocr``.
"""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from bench.ocr_dialogs import DIALOGS, Dialog, png
from desk import escalations
from desk.db import open_db
from scripts.stack import Stack
from tests.integration.browser import BOT, assert_accessible, new_context, staff_login
from tests.integration.conftest import ADMIN, ARTIFACTS
from tests.integration.employee import Employee

pytestmark = pytest.mark.integration
# A paste event as Chromium fires it for an image on the clipboard, on the chat's input inside the shadow root.
PASTE = """(b64) => {
  const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
  const data = new DataTransfer();
  data.items.add(new File([bytes], "paste.png", {type: "image/png"}));
  const input = document.querySelector("#servicedesk-fullscreen").shadowRoot.querySelector("#sd-input");
  input.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, composed: true}));
}"""
CASES = [DIALOGS[2], DIALOGS[5], DIALOGS[14]]  # VPN error 809 (de), printer offline (de), password expired (en)


def article_of(messages: list[dict]) -> str | None:
    """The slug of the article card among the replies."""
    cards = [m["data"]["article"] for m in messages if isinstance(m["data"].get("article"), dict)]
    return next((str(c["url"]).rsplit("/kb/", 1)[-1] for c in cards if c.get("url")), None)


@pytest.mark.parametrize("dialog", CASES, ids=[f"{d.slug}-{d.scale}x" for d in CASES])
def test_a_rendered_error_dialog_is_quoted_and_reaches_its_article(stack: Stack, dialog: Dialog) -> None:
    employee = Employee(stack.settings)
    resp = employee.http.post(
        "/api/chat/attachments",
        files={"file": ("fehler.png", png(dialog), "image/png")},
        data={"language": "de"},
    )
    assert resp.status_code == 200, resp.text
    messages = resp.json()["messages"]
    quote = messages[0]["text"]
    assert quote.startswith("In Ihrem Screenshot steht: „") and "— dazu habe ich Folgendes:" in quote
    first_words = " ".join(dialog.message.split()[:4])
    assert first_words in quote, quote
    assert article_of(messages) == dialog.slug, [m["text"] for m in messages]
    # The records keep the re-encoded image with the (redacted) text, and the message that carries it.
    db = Path(stack.settings.records.db_url.removeprefix("sqlite:///"))
    with sqlite3.connect(db) as conn:
        status, text, message_id = conn.execute(
            "SELECT ocr_status, ocr_text, message_id FROM attachments WHERE message_id = ?",
            (resp.json()["user_message_id"],),
        ).fetchone()
    assert status == "read" and first_words in text and message_id == resp.json()["user_message_id"]


@pytest.fixture
def page(browser: Browser, stack: Stack) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 800, "height": 900}, locale="de-DE", bypass_csp=True)
    pg = context.new_page()
    pg.goto(f"{stack.settings.servers.web_url}/chat")
    expect(pg.locator("#servicedesk-fullscreen")).to_have_attribute("data-state", "ready", timeout=BOT)
    yield pg
    context.close()


def test_the_file_picker_sends_a_screenshot_and_the_answer_quotes_it(page: Page, tmp_path: Path) -> None:
    dialog = DIALOGS[6]  # "Das Netzlaufwerk H: konnte nicht verbunden werden." at 150 %
    shot = tmp_path / "netzlaufwerk.png"
    shot.write_bytes(png(dialog))
    expect(page.locator(".shot-note")).to_have_text(
        "Screenshots können Bürgerdaten zeigen – bitte nur den Fehlerdialog."
    )
    assert page.locator("#sd-attach").get_attribute("aria-label") == "Bildschirmfoto anhängen"
    assert_accessible(page, "composer with the attach button")
    with page.expect_file_chooser() as chooser:
        page.locator("#sd-attach").click()
    chooser.value.set_files(str(shot))
    page.locator("#sd-log .msg-user[data-id]", has_text="Bildschirmfoto").wait_for(timeout=BOT)
    expect(page.locator("#sd-log")).to_contain_text("In Ihrem Screenshot steht: „", timeout=BOT)
    expect(page.locator("#sd-log")).to_contain_text("Das Netzlaufwerk H: konnte nicht verbunden werden")
    link = page.locator("#sd-log .card a").first
    link.wait_for(timeout=BOT)
    assert (link.get_attribute("href") or "").endswith("/kb/netzlaufwerk-verbinden")
    expect(page.locator("#sd-typing")).to_be_hidden(timeout=BOT)
    assert_accessible(page, "screenshot answered")
    # Pasted (Win+Shift+S, Ctrl+V): the printer dialog at 200 %.
    page.locator("#sd-input").focus()
    page.evaluate(PASTE, base64.b64encode(png(DIALOGS[5])).decode("ascii"))
    expect(page.locator("#sd-log")).to_contain_text("Der Druckauftrag konnte nicht gedruckt werden", timeout=BOT)
    expect(page.locator('#sd-log .card a[href$="/kb/drucker-druckt-nicht"]')).to_have_count(1, timeout=BOT)
    expect(page.locator("#sd-log .msg-user", has_text="Bildschirmfoto")).to_have_count(2)
    # On a phone the composer with its attach button and the note still fit.
    page.set_viewport_size({"width": 360, "height": 740})
    for part in ("#sd-send", "#sd-attach", ".shot-note"):
        box = page.locator(part).bounding_box()
        assert box and box["x"] + box["width"] <= 360 and box["y"] + box["height"] <= 740, (part, box)
    assert_accessible(page, "phone with screenshots")
    page.screenshot(path=str(ARTIFACTS / "chat-screenshot-phone.png"))


def test_the_agent_sees_the_screenshot_in_the_console(browser: Browser, stack: Stack) -> None:
    employee = Employee(stack.settings)
    resp = employee.http.post("/api/chat/attachments", files={"file": ("f.png", png(DIALOGS[6]), "image/png")})
    assert resp.status_code == 200, resp.text
    # The escalation form's own path is tested in test_handoff_stack.py; here the record is enough.
    esc = escalations.create(
        open_db(stack.settings.records.db_url), conversation_id=employee.conversation_id, user_pseudonym="p",
        language="de", reason="user_request", details={"description": "Netzlaufwerk fehlt"}, intents=[],
        articles=[], transcript=[{"role": "user", "text": "Netzlaufwerk fehlt", "ts": 1.0}],
    )  # fmt: skip
    context, console, dialogs = new_context(browser, 1280, axe=True)
    try:
        staff_login(console, f"{stack.settings.servers.web_url}/console/", ADMIN)
        console.locator(f'#queue [data-id="{esc.id}"]').click(timeout=BOT)
        shot = console.locator("#transcript img.screenshot")
        expect(shot).to_have_attribute("alt", "Bildschirmfoto der Person", timeout=BOT)
        expect(shot).to_have_js_property("complete", True, timeout=BOT)
        assert shot.evaluate("img => img.naturalWidth") == 732  # loaded through the staff endpoint
        assert_accessible(console, "console with a screenshot")
        assert dialogs == []
    finally:
        context.close()
