"""The admin page /admin/ in real headless Chromium: access audit, export and erasure of one person, accessibility."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Browser, expect

from scripts.stack import Stack
from tests.integration.browser import assert_fits_and_accessible, at_both_zooms, new_context, staff_login, watch
from tests.integration.conftest import ADMIN, ensure_user, staff_client
from tests.integration.employee import Employee

pytestmark = pytest.mark.integration
AGENT = {"username": "agent.audit", "password": "agent-audit-password-1", "display_name": "Team Prüfung"}


def test_admins_see_who_opened_what_and_export_and_erase_a_person(browser: Browser, stack: Stack) -> None:
    base = stack.settings.servers.web_url
    ensure_user(base, AGENT, ["agent"])
    agent = staff_client(base, AGENT)
    assert agent.get("/api/tickets").status_code == 200  # noted in the access audit
    agent.close()
    employee = Employee(stack.settings)
    employee.say("Hallo, hier schreibt Mondfisch")
    conversation = employee.conversation_id

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE", accept_downloads=True)
    page = context.new_page()
    seen = watch(page)
    try:
        staff_login(page, f"{base}/admin/", ADMIN)
        expect(
            page.get_by_role("heading", name="Datenschutz: Auskunft, Löschung und Zugriffsprotokoll")
        ).to_be_visible()
        audit = page.locator("#access-body tr", has_text=AGENT["username"])
        expect(audit.first).to_contain_text("Ticketliste geöffnet")
        expect(page.locator("#access-retention")).to_have_text("Einträge werden nach 365 Tagen gelöscht.")

        page.get_by_label("Gesprächs-ID aus der Konsole").check()
        page.get_by_label("Kennung oder Gesprächs-ID").fill(conversation)
        with page.expect_download() as download:
            page.get_by_role("button", name="Auskunft herunterladen (JSON)").click()
        exported = json.loads(download.value.path().read_text(encoding="utf-8"))
        assert [c["id"] for c in exported["conversations"]] == [conversation]
        assert "Mondfisch" in json.dumps(exported, ensure_ascii=False)
        expect(page.locator("#subject-status")).to_contain_text("Auskunft heruntergeladen: 1 Gespräche")

        page.get_by_role("button", name="Alles zu dieser Person löschen").click()  # not confirmed: nothing happens
        expect(page.locator("#subject-error")).to_have_text(
            "Bitte bestätigen Sie zuerst, dass das Löschen endgültig ist."
        )
        assert employee.http.get("/api/chat/history").json()["messages"]
        page.get_by_label("Ich bestätige: Löschen ist endgültig.").check()
        page.get_by_role("button", name="Alles zu dieser Person löschen").click()
        expect(page.locator("#subject-status")).to_contain_text("Gelöscht: 1 Gespräche")
        expect(page.locator("#requests-body tr").first).to_contain_text("Löschung")
        expect(page.locator("#requests-body tr").first).to_contain_text("Gesprächs-ID")
        assert employee.http.get("/api/chat/history").json()["messages"] == []

        page.get_by_label("Kennung oder Gesprächs-ID").fill("gibt-es-nicht")
        page.get_by_role("button", name="Auskunft herunterladen (JSON)").click()
        expect(page.locator("#subject-error")).to_have_text("Zu dieser Gesprächs-ID ist nichts gespeichert.")
        assert seen.problems == [] and seen.dialogs == []
    finally:
        context.close()

    # An agent has no access; the page says so.
    context, page, _ = new_context(browser)
    try:
        staff_login(page, f"{base}/admin/", AGENT)
        expect(page.locator("#no-role")).to_be_visible()
        expect(page.locator("#admin")).to_be_hidden()
    finally:
        context.close()

    for width, _scale, zoomed in at_both_zooms(browser):
        page = zoomed.new_page()
        staff_login(page, f"{base}/admin/", ADMIN)
        expect(page.locator("#access-body tr").first).to_be_visible()
        assert_fits_and_accessible(page, "the admin page", width)
