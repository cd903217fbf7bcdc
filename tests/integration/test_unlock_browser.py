"""Konto entsperren in the full-screen chat, keyboard only, axe-clean; the code shows masked in the history."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from desk.directory.ldap import LdapDirectory
from desk.unlock import MASK
from tests.integration.browser import BOT, assert_accessible, deep_active, new_context
from tests.integration.test_unlock_stack import SENT, code_for, lock
from tests.ldap_server import EMPLOYEES, Slapd
from tests.unit.desk.test_ticket_sinks import Inbox

pytestmark = pytest.mark.integration
BRANDT = EMPLOYEES[4]


def test_unlock_in_the_chat_with_the_keyboard_only(browser: Browser, stack, slapd: Slapd, mail_inbox: Inbox) -> None:  # noqa: ANN001
    directory = LdapDirectory(slapd.settings())
    lock(directory, BRANDT.uid)
    context, page, dialogs = new_context(browser, 800, 900, axe=True)
    try:
        page.goto(f"{stack.settings.servers.web_url}/chat")
        expect(page.locator("#servicedesk-fullscreen")).to_have_attribute("data-state", "ready", timeout=BOT)
        for _ in range(20):  # to the composer by Tab alone
            if (deep_active(page) or {}).get("id") == "sd-input":
                break
            page.keyboard.press("Tab")
        assert (deep_active(page) or {}).get("id") == "sd-input"

        def type_and_send(text: str, reply: str) -> None:
            page.keyboard.type(text)
            page.keyboard.press("Enter")
            expect(page.locator("#sd-log")).to_contain_text(reply, timeout=BOT)
            expect(page.locator("#sd-typing")).to_be_hidden(timeout=BOT)

        type_and_send("Bitte entsperren Sie mein Konto", "Wie lautet Ihr Anmeldename")
        assert (deep_active(page) or {}).get("id") == "sd-input"  # the focus stays in the composer
        before = len(mail_inbox.messages)
        type_and_send(BRANDT.uid, SENT)
        code = code_for(mail_inbox, str(BRANDT.contact), before)
        type_and_send(code, "Ihr Konto ist entsperrt. Melden Sie sich jetzt mit Ihrem bisherigen Passwort an.")
        assert_accessible(page, "unlocked")
        # The widget shows what was just typed; the stored history (a reload, another device) has it masked.
        page.reload()
        expect(page.locator("#sd-log")).to_contain_text("Ihr Konto ist entsperrt", timeout=BOT)
        expect(page.locator("#sd-log .msg-user .text").last).to_have_text(MASK)
        assert code not in page.locator("#sd-log").inner_text()
        assert_accessible(page, "history after a reload")
        assert dialogs == []
    finally:
        context.close()
    assert directory.authenticate(BRANDT.uid, BRANDT.password)
