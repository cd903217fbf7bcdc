"""The console's team tools in real headless Chromium (Debian's package), next to the employee's chat (issue 18).

An agent claims a request, types "/" in the reply box, picks a canned reply with the keyboard and sends it, and adds
an internal note: the employee's chat shows the reply, never the note. The queue puts the most urgent request
first, then the oldest; a claim held longer than SERVICEDESK_CLAIM_WARN_MINUTES is marked; the desktop notification
(a stand-in for the browser's, granted) and the sound are switched on by the agent. axe-core checks every new state.
The stack runs with SERVICEDESK_SERVICE_HOURS=always (see conftest), so an escalation goes to the live queue.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import update

from desk import escalations
from desk.db import escalations as escalations_table
from desk.db import open_db
from scripts.stack import Stack
from tests.integration.browser import BOT, assert_accessible, new_context, staff_login
from tests.integration.conftest import ensure_user, staff_client
from tests.integration.test_handoff_browser import escalate

pytestmark = pytest.mark.integration
AGENT = {"username": "agent.team", "password": "agent-team-pass-1234", "display_name": "Tina Team"}
LEAD = {"username": "lead.team", "password": "lead-team-pass-12345", "display_name": "Lars Leitung"}
LIVE = 60_000  # long-polls answer within ~25 s
NOTE = "Intern: Drucker im 2. OG hatte letzte Woche denselben Fehler"
FAKE_NOTIFICATION = """
window.shownNotifications = [];
window.Notification = class {
  constructor(title, options) { window.shownNotifications.push(title + " | " + ((options && options.body) || "")); }
  static get permission() { return "granted"; }
  static requestPermission() { return Promise.resolve("granted"); }
  close() {}
};
"""


@pytest.fixture(scope="module")
def team(base_url: str) -> dict[str, str]:
    """The agent, a lead who writes two canned replies about printers; their titles."""
    ensure_user(base_url, AGENT, ["agent"])
    ensure_user(base_url, LEAD, ["lead"])
    lead = staff_client(base_url, LEAD)
    suffix = uuid.uuid4().hex[:6]
    titles = {"restart": f"Drucker neu starten {suffix}", "driver": f"Drucker: Treiber {suffix}"}
    try:
        for key, body in (
            ("restart", "Guten Tag {name},\nich bin {agent} vom Service Desk. Bitte starten Sie den Drucker neu."),
            ("driver", "Bitte installieren Sie den Druckertreiber neu ({ticket})."),
        ):
            resp = lead.post("/api/canned-replies", json={"title": titles[key], "body": body})
            assert resp.status_code == 201, resp.text
    finally:
        lead.close()
    return titles


def waiting(stack: Stack, urgency: str, minutes_ago: int, status: str = "waiting") -> escalations.Escalation:
    """An escalation written straight into the records (as the action server does), made older."""
    engine = open_db(stack.settings.records.db_url)
    try:
        esc = escalations.create(
            engine,
            conversation_id=f"team-{uuid.uuid4().hex[:10]}",
            user_pseudonym="console-team-test",
            language="de",
            reason="user_request",
            details={"description": f"Drucker ({urgency})", "urgency": urgency},
            intents=[],
            articles=[],
            transcript=[],
            status=status,
        )
        ago = escalations.now() - timedelta(minutes=minutes_ago)
        values = {"created_at": ago} if status == "waiting" else {"created_at": ago, "claimed_at": ago}
        with engine.begin() as conn:
            conn.execute(update(escalations_table).where(escalations_table.c.id == esc.id).values(**values))
        return esc
    finally:
        engine.dispose()


def console_login(page: Page, base_url: str) -> None:
    staff_login(page, f"{base_url}/console/", AGENT)
    expect(page.locator("#user-name")).to_have_text(AGENT["display_name"], timeout=BOT)
    expect(page.locator("#workspace")).to_be_visible(timeout=BOT)


def queue_order(page: Page, ids: list[int]) -> list[int]:
    entries = page.locator("#queue [data-id]")
    shown = [int(entries.nth(i).get_attribute("data-id") or 0) for i in range(entries.count())]
    return [i for i in shown if i in ids]


def test_queue_by_urgency_then_age_long_claims_marked_and_alerts_opt_in(
    browser: Browser, base_url: str, stack: Stack, team: dict[str, str]
) -> None:
    context, console, dialogs = new_context(browser, 1280, axe=True)
    context.add_init_script(FAKE_NOTIFICATION)
    try:
        console_login(console, base_url)
        for button in ("#alert-desktop", "#alert-sound"):  # off until the agent switches them on
            expect(console.locator(button)).to_have_attribute("aria-pressed", "false")
        console.click("#alert-desktop")
        expect(console.locator("#alert-desktop")).to_have_attribute("aria-pressed", "true")
        console.click("#alert-sound")
        expect(console.locator("#alert-sound")).to_have_attribute("aria-pressed", "true")
        expect(console.locator("#alerts-status")).to_contain_text("Ton ist eingeschaltet")

        calm = waiting(stack, "single_ok", 4)
        many = waiting(stack, "many", 1)
        blocked = waiting(stack, "single_blocked", 2)
        held = waiting(stack, "single_ok", 25, status="claimed")  # longer than the default 20 minutes
        ids = [calm.id, many.id, blocked.id, held.id]
        expect(console.locator(f'#queue [data-id="{held.id}"]')).to_be_visible(timeout=LIVE)  # created last
        assert queue_order(console, ids) == [many.id, blocked.id, held.id, calm.id]  # same urgency: oldest first
        entry = console.locator(f'#queue [data-id="{many.id}"]')
        expect(entry).to_contain_text("Dringlichkeit: mehrere Personen betroffen")
        expect(console.locator(f'#queue [data-id="{held.id}"] .claim-age')).to_have_text("⚠ übernommen seit 25 Min.")
        expect(console.locator(f'#queue [data-id="{calm.id}"] .claim-age')).to_have_count(0)

        shown = console.evaluate("() => window.shownNotifications")
        assert (
            f"Neue Anfrage Nr. {many.id} in der Warteschlange | Person ausdrücklich gewünscht · Dringlichkeit: "
            "mehrere Personen betroffen" in shown
        ), shown
        assert all("Drucker" not in n for n in shown)  # never what the person wrote
        assert_accessible(console, "queue with urgencies, a long claim and alerts on")

        console.get_by_role("tab", name="Textbausteine").click()
        expect(console.locator("#canned-library")).to_contain_text(team["restart"], timeout=BOT)
        expect(console.locator("#canned-new")).to_be_hidden()  # agents read, leads write
        assert console.locator("#canned-library button").count() == 0
        assert_accessible(console, "canned replies, read-only")
        assert dialogs == []
    finally:
        context.close()


def test_agent_sends_a_canned_reply_and_a_note_the_employee_never_sees(
    browser: Browser, base_url: str, team: dict[str, str]
) -> None:
    agent_ctx, console, console_dialogs = new_context(browser, 1280, axe=True)
    chat_ctx, chat, chat_dialogs = new_context(browser, 800, axe=True)
    try:
        console_login(console, base_url)
        entries = console.locator("#queue [data-id]")
        before = {entries.nth(i).get_attribute("data-id") for i in range(entries.count())}
        chat.goto(f"{base_url}/chat")
        expect(chat.locator("#servicedesk-fullscreen")).to_have_attribute("data-state", "ready", timeout=BOT)
        escalate(chat)
        mine = console.locator("#queue [data-id]" + "".join(f':not([data-id="{i}"])' for i in before)).first
        mine.wait_for(timeout=LIVE)
        mine.click()
        expect(console.locator("#detail-status")).to_have_text("wartet", timeout=BOT)
        expect(console.locator("#ctx-intents")).to_be_hidden()  # the intents table is collapsed
        console.locator("#ctx-intents-box summary").click()
        expect(console.locator("#ctx-intents")).to_be_visible()
        console.click("#claim")
        expect(console.locator("#claim")).to_be_hidden(timeout=BOT)
        expect(console.locator("#reply")).to_be_focused()

        # "/" opens the picker; Escape closes it and keeps the "/" as typed.
        console.keyboard.type("/")
        query = console.locator("#canned-query")
        expect(query).to_be_focused()
        console.keyboard.press("Escape")
        expect(console.locator("#canned-picker")).to_be_hidden()
        expect(console.locator("#reply")).to_be_focused()
        expect(console.locator("#reply")).to_have_value("/")

        console.fill("#reply", "")
        console.keyboard.type("/")
        expect(query).to_be_focused()
        console.keyboard.type("drucker")
        options = console.locator("#canned-options [role=option]")
        expect(options).to_have_count(2, timeout=BOT)
        expect(options.first).to_contain_text(team["restart"])
        expect(query).to_have_attribute("aria-expanded", "true")
        expect(query).to_have_attribute("aria-activedescendant", options.first.get_attribute("id") or "")
        console.keyboard.press("ArrowDown")
        expect(options.nth(1)).to_have_attribute("aria-selected", "true")
        expect(query).to_have_attribute("aria-activedescendant", options.nth(1).get_attribute("id") or "")
        console.keyboard.press("ArrowDown")  # wraps around
        expect(options.first).to_have_attribute("aria-selected", "true")
        assert_accessible(console, "canned reply picker open")
        console.keyboard.press("Enter")
        filled = "Guten Tag,\nich bin Tina Team vom Service Desk. Bitte starten Sie den Drucker neu."
        expect(console.locator("#reply")).to_have_value(filled)  # no name known: a neutral salutation
        expect(console.locator("#canned-picker")).to_be_hidden()
        expect(console.locator("#reply")).to_be_focused()
        console.click("#send")
        expect(console.locator("#messages li.agent").last).to_contain_text("Tina Team vom Service Desk", timeout=BOT)

        console.fill("#note-text", NOTE)
        console.click("#note-add")
        expect(console.locator("#notes-list .note")).to_contain_text(NOTE, timeout=BOT)
        expect(console.locator("#notes-empty")).to_be_hidden()
        assert_accessible(console, "internal note added")

        # A later reply reaches the employee after the note was written: the note would have come before it.
        console.fill("#reply", "Hat der Neustart geholfen?")
        console.click("#send")
        agent_messages = chat.locator("#sd-log .msg-agent")
        expect(agent_messages.last).to_contain_text("Hat der Neustart geholfen?", timeout=LIVE)
        expect(chat.locator("#sd-log")).to_contain_text("ich bin Tina Team vom Service Desk")
        expect(chat.locator("#sd-log")).not_to_contain_text("Intern:")
        assert_accessible(chat, "employee sees the canned reply")

        # After a reload the note is still there for staff, and still only there.
        console.reload()
        expect(console.locator("#notes-list .note")).to_contain_text(NOTE, timeout=BOT)
        assert console_dialogs == [] and chat_dialogs == []
    finally:
        agent_ctx.close()
        chat_ctx.close()


def test_a_lead_writes_a_canned_reply_in_the_console_and_a_bad_placeholder_is_named(
    browser: Browser, base_url: str
) -> None:
    desk_lead = {"username": "lead.desk", "password": "lead-desk-pass-12345", "display_name": "Doris Desk"}
    ensure_user(base_url, desk_lead, ["agent", "lead"])
    context, console, dialogs = new_context(browser, 1280, axe=True)
    title = f"VPN-Zugang {uuid.uuid4().hex[:6]}"
    try:
        staff_login(console, f"{base_url}/console/", desk_lead)
        expect(console.locator("#workspace")).to_be_visible(timeout=BOT)
        console.get_by_role("tab", name="Textbausteine").click()
        console.get_by_role("button", name="Neuer Textbaustein").click()
        expect(console.locator("#canned-title")).to_be_focused()
        console.fill("#canned-title", title)
        console.fill("#canned-body", "Hallo {nmae}, bitte melden Sie sich neu am VPN an.")
        console.click("#canned-save")
        expect(console.locator("#canned-error")).to_contain_text("{nmae}", timeout=BOT)
        expect(console.locator("#canned-body")).to_be_focused()
        assert_accessible(console, "canned reply form with an error")

        console.fill("#canned-body", "Hallo {name}, bitte melden Sie sich neu am VPN an. Ihr {agent}")
        console.click("#canned-save")
        expect(console.locator("#canned-edit")).to_be_hidden(timeout=BOT)
        item = console.locator("#canned-library .canned-item", has_text=title)
        expect(item).to_contain_text("Hallo {name}, bitte melden")
        item.get_by_role("button", name=f"Bearbeiten – {title}").click()
        expect(console.locator("#canned-title")).to_have_value(title)
        console.fill("#canned-body", "Bitte melden Sie sich neu am VPN an.")
        console.click("#canned-save")
        expect(item).to_contain_text("Bitte melden Sie sich neu am VPN an.", timeout=BOT)
        assert_accessible(console, "canned replies for a lead")
        assert dialogs == []
    finally:
        context.close()
