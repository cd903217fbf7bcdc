"""What the assistant did by itself, in real headless Chromium: the console's context card and the lead's tables.

A conversation with an account unlock (a code, a wrong code, the unlock), a refused start and an approved
request with its ticket is written straight into the stack's records with the desk's own functions (as the
action server does); an escalation of it waits in the queue. The agent's context card lists the steps under
"Automatisch erledigt", the lead's page counts them per week; axe-core checks both.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import Browser, expect

import texts
from desk import conversations, escalations, unlock_records
from desk.db import now, open_db
from desk.requests import records
from scripts.stack import Stack
from tests.integration.browser import BOT, assert_accessible, staff_login, watch
from tests.integration.conftest import ensure_user
from tests.unit.desk.request_fixtures import FOLDER

pytestmark = pytest.mark.integration
AGENT = {"username": "agent.auto", "password": "agent-auto-pass-1234", "display_name": "Alma Automatik"}
LEAD = {"username": "lead.auto", "password": "lead-auto-pass-12345", "display_name": "Lutz Leitung"}
WORDS = texts.section("ui.console.automation")


@pytest.fixture(scope="module")
def seeded(stack: Stack, base_url: str) -> Iterator[dict[str, object]]:
    """The conversation's records and its waiting escalation; returns the escalation id and the request."""
    ensure_user(base_url, AGENT, ["agent"])
    ensure_user(base_url, LEAD, ["lead"])
    engine = open_db(stack.settings.records.db_url)
    try:
        conversation = f"auto-{uuid.uuid4().hex[:10]}"
        conversations.ensure_conversation(engine, conversation, "automation-browser", "de")
        start = now() - timedelta(minutes=10)
        for minute, step, result, account in (
            (0, "start", "privileged", "wweber"),
            (1, "start", "code_sent", "mmeier"),
            (2, "verify", "wrong_code", None),
            (3, "verify", "unlocked", "mmeier"),
        ):
            unlock_records.audit(
                engine,
                conversation_id=conversation,
                step=step,
                result=result,
                at=start + timedelta(minutes=minute),
                account=account,
            )
        made = records.create(
            engine,
            kind="folder_access",
            fields=FOLDER,
            user="automation-browser",
            conversation_id=conversation,
            language="de",
            approver="k.schmidt",
        )
        records.await_approval(engine, made.id, nonce_hash="b" * 64, expires_at=now() + timedelta(hours=72))
        assert records.decide(engine, made.id, nonce_hash="b" * 64, approved=True)
        records.set_ticket(engine, made.id, number=f"TK-{made.id}", sink="sql")
        esc = escalations.create(
            engine,
            conversation_id=conversation,
            user_pseudonym="automation-browser",
            language="de",
            reason="user_request",
            details={"description": "Konto wieder gesperrt", "urgency": "single_blocked"},
            intents=[],
            articles=[],
            transcript=[],
        )
        yield {"escalation": esc.id, "request": records.get(engine, made.id)}
    finally:
        engine.dispose()


def test_the_context_card_shows_what_was_done_automatically(
    browser: Browser, base_url: str, seeded: dict[str, object]
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE", bypass_csp=True)
    console = context.new_page()
    seen = watch(console)
    try:
        staff_login(console, f"{base_url}/console/", AGENT)
        expect(console.locator("#user-name")).to_have_text(AGENT["display_name"], timeout=BOT)
        console.locator(f'#queue [data-id="{seeded["escalation"]}"]').click()
        box = console.locator("#ctx-actions-box")
        expect(box).to_be_visible(timeout=BOT)
        expect(console.get_by_role("heading", name=WORDS["title"])).to_be_visible()
        items = console.get_by_role("list", name=WORDS["title"]).get_by_role("listitem")
        expect(items).to_have_count(5)
        request = seeded["request"]
        assert isinstance(request, records.ServiceRequest)
        reason = WORDS["reason.privileged"]
        expect(items).to_contain_text(
            [
                WORDS["unlock.refused"].replace("{reason}", reason) + " · Konto: wweber",
                WORDS["unlock.code_sent"] + " · Konto: mmeier",
                WORDS["unlock.wrong_code"],
                WORDS["unlock.unlocked"] + " · Konto: mmeier",
                f"Antrag {request.number}: Zugriff auf Ordner/Laufwerk – Ticket erstellt",
            ]
        )
        last = items.last
        expect(last).to_contain_text(re.compile(r"freigegeben von Karin Schmidt \(Stadtkasse\), \d\d\.\d\d\.\d\d"))
        expect(last).to_contain_text(f"Ticket {request.ticket_number}")
        assert_accessible(console, "context card with automated actions")
        assert seen.problems == [] and seen.dialogs == [], seen
    finally:
        context.close()


def test_the_lead_page_counts_the_automated_actions(browser: Browser, base_url: str, seeded: dict[str, object]) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        assert client.post("/api/auth/login", json={k: LEAD[k] for k in ("username", "password")}).is_success
        api = client.get("/api/insights/summary").json()["automation"]
    unlocks, requests = api["unlocks"], api["requests"]
    assert sum(w["code_sent"] for w in unlocks) >= 1 and sum(w["unlocked"] for w in unlocks) >= 1
    assert sum(w["refused"] for w in unlocks) >= 1
    folder = [r for r in requests if r["kind"] == "folder_access"]
    assert folder and sum(r["approved"] for r in folder) >= 1 and folder[-1]["label"] == "Zugriff auf Ordner/Laufwerk"

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    seen = watch(page)
    try:
        staff_login(page, f"{base_url}/insights/", LEAD)
        expect(page.locator("#user-name")).to_have_text(LEAD["display_name"], timeout=BOT)
        expect(page.locator("#autounlock-body tr")).to_have_count(len(unlocks), timeout=BOT)
        expect(page.locator("#autoreq-body tr")).to_have_count(len(requests))
        week = unlocks[-1]
        cells = page.locator("#autounlock-body tr").last.locator("th, td")
        year, number = week["week"].split("-W")
        label = texts.text("ui.editor.week_label", week=int(number), year=year)
        expect(cells).to_have_text([label, *(str(week[k]) for k in ("requested", "code_sent", "unlocked", "blocked",
                                                                    "refused"))])  # fmt: skip
        row = page.locator('#autoreq-body tr[data-kind="folder_access"]').last
        expect(row.locator("td").first).to_have_text("Zugriff auf Ordner/Laufwerk")
        assert_accessible(page, "lead page with automated actions")
        assert seen.problems == [] and seen.dialogs == [], seen
    finally:
        context.close()
