"""What the browser tests share: fresh contexts whose pages record dialogs and script errors, the staff login,
axe-core, and the chat's own helpers (the widget and the full-screen page are the same chat module).

The pages' CSP forbids eval, so every wait is a locator or ``expect`` (never ``wait_for_function``); axe-core is
injected into contexts created with ``bypass_csp=True``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Dialog, Page, expect

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BOT = 40_000  # Rasa replies take a few seconds on two cores
DEEP_ACTIVE = """() => {
  let node = document.activeElement;
  while (node && node.shadowRoot && node.shadowRoot.activeElement) { node = node.shadowRoot.activeElement; }
  return node ? {id: node.id, score: node.getAttribute("data-score"), tag: node.tagName} : null;
}"""


@dataclass
class Watch:
    """What a page showed that nobody should see: script errors (a CSP refusal) and dialogs (an XSS alert)."""

    problems: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def watch(page: Page, *, accept_dialogs: bool = False) -> Watch:
    """Record script errors and every dialog (accepted, e.g. a confirm the test expects, or dismissed).

    Failed requests log "Failed to load resource" (the first 401 of /api/auth/me, an expected 409): not a problem.
    """
    seen = Watch()

    def on_console(message: Any) -> None:  # noqa: ANN401 - Playwright's ConsoleMessage
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            seen.problems.append(message.text)

    def on_dialog(dialog: Dialog) -> None:
        seen.dialogs.append(dialog.message)
        dialog.accept() if accept_dialogs else dialog.dismiss()

    page.on("console", on_console)
    page.on("pageerror", lambda e: seen.problems.append(str(e)))
    page.on("dialog", on_dialog)
    return seen


def new_context(
    browser: Browser, width: int = 1280, height: int = 900, axe: bool = False, **options: Any
) -> tuple[BrowserContext, Page, list[str]]:
    """A fresh browser profile (own cookies, German) and a watched page; the list fills with its dialogs."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="de-DE", bypass_csp=axe, **options
    )
    page = context.new_page()
    return context, page, watch(page).dialogs


def at_both_zooms(browser: Browser) -> Iterator[tuple[int, int, BrowserContext]]:
    """(width, scale, context) at 100 % and at 200 % zoom: a 640 px viewport with twice the pixel density is what a
    1280 px window shows at 200 %. axe-core is injected inline, hence contexts that bypass the CSP."""
    for width, scale in ((1280, 1), (640, 2)):
        context = browser.new_context(
            viewport={"width": width, "height": 900}, device_scale_factor=scale, locale="de-DE", bypass_csp=True
        )
        try:
            yield width, scale, context
        finally:
            context.close()


def staff_login(page: Page, url: str, account: dict[str, str]) -> None:
    """Open a staff page and log in with the page's own form."""
    page.goto(url)
    page.get_by_label("Benutzername").fill(account["username"])
    page.get_by_label("Passwort").fill(account["password"])
    page.get_by_role("button", name="Anmelden").click()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core over the whole page, shadow DOM included."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")


def describe(violations: list[dict[str, Any]]) -> str:
    """The violations, one line each, with the elements they concern."""
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']]}" for v in violations
    )


def assert_accessible(page: Page, state: str) -> None:
    """No axe-core violation in this state of the page."""
    violations = axe_violations(page)
    assert violations == [], f"axe found {len(violations)} violation(s) in state {state!r}:\n{describe(violations)}"


def assert_fits_and_accessible(page: Page, what: str, width: int) -> None:
    """No axe-core violation, and no horizontal scrolling at this width."""
    violations = axe_violations(page)
    assert violations == [], f"axe on {what} at {width}px:\n{describe(violations)}"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{what} scrolls at {width}px"


def deep_active(page: Page) -> dict | None:
    """The focused element, through shadow roots."""
    return page.evaluate(DEEP_ACTIVE)


def say(page: Page, text: str) -> None:
    """Type a message into the chat and send it with Enter."""
    page.fill("#sd-input", text)
    page.press("#sd-input", "Enter")


def settled(page: Page, text: str) -> None:
    """The own message is stored (it has its id) and the reply is there (no typing indicator)."""
    page.locator("#sd-log .msg-user[data-id]", has_text=text).last.wait_for(timeout=BOT)
    expect(page.locator("#sd-typing")).to_be_hidden(timeout=BOT)
