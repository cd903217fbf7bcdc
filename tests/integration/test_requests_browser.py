"""The approval page in Debian's Chromium: axe-clean at desktop and phone width, decided with the keyboard only."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from desk.db import make_engine
from desk.identity import load_secret, make_identity
from desk.requests import approval, records
from scripts.stack import Stack
from tests.integration.browser import assert_fits_and_accessible, new_context

pytestmark = pytest.mark.integration
KEY = b"integration-intranet-key-of-32-bytes"  # the stack's SERVICEDESK_IDENTITY_SECRET


def waiting_link(stack: Stack) -> tuple[int, str]:
    """A hardware request waiting for the cost-centre lead of 3200 (Peter Yilmaz), and its approval link."""
    engine = make_engine(stack.settings.records.db_url)
    found = records.create(
        engine,
        kind="hardware",
        fields={"item": "monitor-27", "cost_centre": "3200", "reason": "Zweiter Bildschirm für die Bauakten"},
        user="employee-browser",
        conversation_id=None,
        language="de",
        approver="p.yilmaz",
    )
    link = approval.issue(load_secret(stack.settings.records), found.id, 3600)
    records.await_approval(engine, found.id, nonce_hash=link.nonce_hash, expires_at=link.expires_at)
    engine.dispose()
    return found.id, approval.url(stack.settings.servers.web_url, link.token)


def test_the_approval_page_is_accessible_and_decided_by_keyboard(browser: Browser, stack: Stack) -> None:
    rid, url = waiting_link(stack)
    for width in (1280, 360):
        context, page, dialogs = new_context(browser, width=width, axe=True)
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_contain_text("Freigabe")
        expect(page.get_by_role("cell", name="Monitor 27 Zoll")).to_be_visible()
        assert_fits_and_accessible(page, "the approval page", width)
        context.close()
        assert dialogs == []
    context, page, _ = new_context(browser, axe=True)
    page.goto(url)
    page.keyboard.press("Tab")  # the language link
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "identity"
    page.keyboard.type(make_identity("p.yilmaz", KEY))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.value") == "approve"
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Sie haben den Antrag")
    assert_fits_and_accessible(page, "the thanks", 1280)
    page.goto(url)  # the link again: used
    expect(page.get_by_role("alert")).to_contain_text("bereits entschieden")
    assert_fits_and_accessible(page, "the refusal", 1280)
    context.close()
    engine = make_engine(stack.settings.records.db_url)
    assert records.get(engine, rid).status == "ticket_created"  # type: ignore[union-attr]
    engine.dispose()
