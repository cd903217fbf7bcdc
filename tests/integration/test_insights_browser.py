"""The lead page /insights/ in real headless Chromium: CSAT figures, chart, tables, CSV export, accessibility.

Ratings come in through the employee chat API (a real conversation with Rasa each), so the figures on the page
are compared with what ``GET /api/insights/csat`` says after real ratings. The page's CSP forbids eval, so every
wait is a locator or ``expect`` (never ``wait_for_function``); only the axe run uses a context with
``bypass_csp`` (axe is injected as an inline script).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

import texts
from scripts.stack import Stack
from tests.integration.browser import assert_fits_and_accessible, at_both_zooms, staff_login, watch
from tests.integration.conftest import ARTIFACTS, ensure_user
from tests.integration.employee import Employee

pytestmark = pytest.mark.integration
LEAD = {"username": "lead.insights", "password": "lead-insights-pass-123", "display_name": "Lena Leitung"}
AGENT = {"username": "agent.insights", "password": "agent-insights-pass-123", "display_name": "Arne Agent"}
SCORES = (5, 4, 2)  # one employee each
# The last employee also writes a comment: a staff name, a name and a phone number the lead must not see.
COMMENT = "Arne Agent hat nicht zurückgerufen, ich bin Erika Muster, 0171 2345678"
SHOWN = "[Name] hat nicht zurückgerufen, ich bin [Name], [Telefon]"
PATHS = texts.section("resolution_path")  # the one list of resolution paths, with their words
CSV_HEADER = ["Pfad", "Gefragt", "Beantwortet", "Antwortquote", "Durchschnitt", "1", "2", "3", "4", "5"]
BOT = 30_000  # Rasa replies take a few seconds on two cores


def lead_figures(base_url: str, path: str = "/api/insights/csat") -> dict[str, Any]:
    """``GET /api/insights/csat`` (or another insights API; default period) as the lead, outside any browser."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        login = client.post("/api/auth/login", json={"username": LEAD["username"], "password": LEAD["password"]})
        assert login.status_code == 200, login.text
        resp = client.get(path)
        assert resp.status_code == 200, resp.text
        return resp.json()


def is_csat(message: dict[str, Any]) -> bool:
    return bool((message.get("data") or {}).get("csat"))


def rate_as_employee(stack: Stack, score: int, comment: str | None = None) -> None:
    """One anonymous employee: greeting, goodbye, one click on the CSAT button with this score, a comment."""
    employee = Employee(stack.settings, timeout=BOT / 1000)
    try:
        employee.say("Hallo")
        replies = employee.say("Tschüss")
        question = [m for m in replies if is_csat(m)]
        assert question, f"no CSAT question after 'Tschüss': {json.dumps(replies, ensure_ascii=False)}"
        payload = f'/csat{{"csat_score": "{score}"}}'
        buttons = [b for b in question[-1]["data"].get("buttons", []) if b.get("payload") == payload]
        assert buttons, f"no button {payload} in {question[-1]}"
        assert employee.say(payload, buttons[0].get("title") or str(score)), "no thank-you after the rating"
        if comment:
            assert "Danke für Ihre Rückmeldung" in Employee.texts(employee.say(comment))
    finally:
        employee.close()


@pytest.fixture(scope="module")
def accounts(browser: Browser, base_url: str) -> None:
    ensure_user(base_url, LEAD, ["lead"])
    ensure_user(base_url, AGENT, ["agent"])


@pytest.fixture(scope="module")
def ratings(stack: Stack, base_url: str, accounts: None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The lead's figures before and after three employees rated; returns (before, after)."""
    before = lead_figures(base_url)
    for n, score in enumerate(SCORES, 1):
        rate_as_employee(stack, score, COMMENT if n == len(SCORES) else None)
    return before, lead_figures(base_url)


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="de-DE", reduced_motion="reduce", accept_downloads=True
    )
    yield ctx
    ctx.close()


def login(page: Page, base_url: str, account: dict[str, str]) -> None:
    staff_login(page, f"{base_url}/insights/", account)


def one_decimal(value: float | None) -> str:
    """What Intl.NumberFormat('de-DE') shows: half away from zero, decimal comma."""
    if value is None:
        return "–"
    return str(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)).replace(".", ",")


def percent(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{Decimal(str(value * 100)).quantize(Decimal('1'), rounding=ROUND_HALF_UP)}\u00a0%"


def row_texts(page: Page, selector: str) -> list[str]:
    cells = page.locator(f"{selector} > th, {selector} > td")
    return [cells.nth(i).inner_text().strip() for i in range(cells.count())]


def expected_row(label: str, group: dict[str, Any]) -> list[str]:
    dist = group.get("distribution") or {}
    return [
        label,
        *(str(dist.get(s, 0)) for s in "12345"),
        str(group.get("answered", 0)),
        str(group.get("asked", 0)),
        percent(group.get("response_rate")),
        one_decimal(group.get("average")),
    ]


def test_lead_sees_the_figures_chart_tables_and_csv(
    browser: Browser, base_url: str, context: BrowserContext, ratings: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    before, api = ratings
    assert api["answered"] == before["answered"] + len(SCORES), (before, api)
    for score in set(SCORES):
        gained = api["distribution"][str(score)] - before["distribution"][str(score)]
        assert gained == SCORES.count(score), (score, before["distribution"], api["distribution"])
    assert set(api["by_path"]) == set(PATHS), api["by_path"].keys()

    page = context.new_page()
    seen = watch(page)
    login(page, base_url, LEAD)

    expect(page.locator("#user-name")).to_have_text(LEAD["display_name"], timeout=BOT)
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("#average")).to_have_text(one_decimal(api["average"]), timeout=BOT)
    expect(page.locator("#answered")).to_have_text(str(api["answered"]))
    expect(page.locator("#asked")).to_have_text(str(api["asked"]))
    expect(page.locator("#rate")).to_have_text(percent(api["response_rate"]))
    expect(page.get_by_label("Von", exact=True)).to_have_value(api["from"])
    expect(page.get_by_label("Bis", exact=True)).to_have_value(api["to"])
    expect(page.get_by_text("Bewertungen sind anonym; es gibt keine Auswertung nach Personen.")).to_be_visible()

    chart = page.get_by_role("img", name="Balkendiagramm")
    expect(chart).to_be_visible()
    assert page.locator("canvas#chart").evaluate("c => c.width > 0 && c.height > 0")
    expect(chart).to_have_attribute("aria-label", re.compile("Assistent.*Abgebrochen"))  # a summary in words
    for path, label in PATHS.items():
        assert row_texts(page, f'#paths-body tr[data-path="{path}"]') == expected_row(label, api["by_path"][path])
    assert row_texts(page, '#paths-foot tr[data-path="total"]') == expected_row("Gesamt", api)
    expect(page.locator("#weeks-body tr")).to_have_count(len(api["weeks"]))
    if api["weeks"]:
        last = api["weeks"][-1]
        assert row_texts(page, "#weeks-body tr:last-child")[1:] == [str(last["answered"]), one_decimal(last["average"])]

    csv_link = page.get_by_role("link", name="CSV herunterladen")
    expect(csv_link).to_have_attribute("href", f"/api/insights/csat.csv?from={api['from']}&to={api['to']}")
    with page.expect_download() as info:
        csv_link.click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    figures, comments = text.split("\n\n")  # two blocks: the figures, then the comments (newlines read as \n)
    rows = list(csv.reader(io.StringIO(figures), delimiter=";"))
    rows = [r for r in rows if r]
    assert [h.split(" (")[0] for h in rows[0]] == CSV_HEADER, text  # a unit may follow, e.g. "Antwortquote (%)"
    assert len(rows) == 1 + len(PATHS) + 1, text  # one per path plus the total
    total = rows[-1]
    assert total[1:3] == [str(api["asked"]), str(api["answered"])], text
    assert total[5:] == [str(api["distribution"][s]) for s in "12345"], text
    said = list(csv.reader(io.StringIO(comments), delimiter=";"))
    assert said[0] == ["Datum", "Bewertung", "Lösungsweg", "Sprache", "Kommentar"], text
    assert said[1][1:] == ["2", "Assistent", "Deutsch", SHOWN] and len(said) == 1 + len(api["comments"]), text

    # The comments, newest first, redacted and without staff names.
    newest = api["comments"][0]
    assert newest["comment"] == SHOWN and newest["score"] == 2, api["comments"]
    expect(page.locator("#comments-body tr")).to_have_count(len(api["comments"]))
    day = ".".join(reversed(newest["date"].split("-")))
    assert row_texts(page, "#comments-body tr:first-child") == [day, "2", "Assistent", "Deutsch", SHOWN]
    expect(page.locator("#comments-empty")).to_be_hidden()
    assert "Arne" not in page.locator("#comments").inner_text() and "2345678" not in text

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "insights.png"), full_page=True)

    # A reversed period is refused on the page, in the alert region.
    page.get_by_label("Von", exact=True).fill(api["to"])
    page.get_by_label("Bis", exact=True).fill(api["from"])
    page.get_by_role("button", name="Anzeigen").click()
    expect(page.get_by_role("alert").filter(has_text="Startdatum")).to_be_visible()
    assert seen.problems == [] and seen.dialogs == [], seen

    # Accessibility at 100 % and at 200 % zoom.
    for width, scale, axe_context in at_both_zooms(browser):
        axe_page = axe_context.new_page()
        login(axe_page, base_url, LEAD)
        expect(axe_page.locator("#answered")).to_have_text(str(api["answered"]), timeout=BOT)
        assert_fits_and_accessible(axe_page, "the figures", width)
        if scale == 2:
            axe_page.screenshot(path=str(ARTIFACTS / "insights-zoom200.png"), full_page=True)


def test_account_without_lead_role_is_refused(base_url: str, context: BrowserContext, accounts: None) -> None:
    page = context.new_page()
    login(page, base_url, AGENT)
    expect(page.locator("#no-role")).to_contain_text("nicht die Rolle „lead“", timeout=BOT)
    expect(page.get_by_role("heading", name="Kein Zugriff auf die Auswertung")).to_be_focused()
    expect(page.locator("#dashboard")).to_be_hidden()
    assert context.request.get(f"{base_url}/api/insights/csat").status == 403


def test_lead_sees_the_weekly_summary_and_prints_the_week(
    browser: Browser, base_url: str, context: BrowserContext, ratings: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    api = lead_figures(base_url, "/api/insights/summary")
    ss = api["self_service"]
    assert ss["conversations"] >= len(SCORES) and ss["solved"] + ss["escalated"] + ss["unclear"] == ss["conversations"]
    page = context.new_page()
    seen = watch(page)
    login(page, base_url, LEAD)

    expect(page.locator("#ss-conversations")).to_have_text(str(ss["conversations"]), timeout=BOT)
    expect(page.locator("#ss-rate")).to_have_text(percent(ss["rate"]))
    expect(page.locator("#ss-rule")).to_contain_text("3 Arbeitstagen")
    for outcome in ("solved", "escalated", "unclear"):
        assert row_texts(page, f'#ss-body tr[data-outcome="{outcome}"]')[1] == str(ss[outcome])
    reasons = texts.section("report.reason")
    expect(page.locator("#reasons-body tr")).to_have_count(len(reasons))
    for reason, n in ss["reasons"].items():
        assert row_texts(page, f'#reasons-body tr[data-reason="{reason}"]') == [
            reasons[reason],
            texts.text(f"report.{ss['reason_outcomes'][reason]}"),
            str(n),
        ]
    expect(page.locator("#esc-body tr")).to_have_count(len(api["escalations"]))
    expect(page.locator("#sat-body tr")).to_have_count(max(1, len(api["csat"]["weeks"])))
    expect(page.locator("#team-too-few")).to_have_text(re.compile("zu wenige Daten"))  # one agent account only
    expect(page.locator("#team-wrap")).to_be_hidden()
    for canvas in ("#ss-chart", "#esc-chart", "#sat-chart"):
        assert page.locator(canvas).evaluate("c => c.width > 0 && c.height > 0"), canvas
    expect(page.locator("#sat-chart")).to_have_attribute("aria-label", re.compile("Ziel: 96\u00a0%"))
    expect(page.get_by_role("link", name="Wochenbericht als CSV")).to_have_attribute(
        "href", f"/api/insights/summary.csv?from={api['from']}&to={api['to']}"
    )
    report = page.get_by_role("link", name="Druckansicht der Woche")
    href = report.get_attribute("href") or ""
    assert re.fullmatch(r"/insights/report\?week=\d{4}-W\d{2}", href), href
    assert seen.problems == [] and seen.dialogs == [], seen

    # The printable week: the same rule, made on the server; printed on A4 without the tools.
    report.click()
    week = href.rsplit("=", 1)[1]
    expect(page.get_by_role("heading", name=f"Wochenbericht {week}")).to_be_visible(timeout=BOT)
    expect(page.get_by_role("table", name="Selbstlösung")).to_be_visible()
    expect(page.locator("#team-too-few")).to_contain_text("zu wenige Daten")
    expect(page.get_by_role("button", name="Drucken")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Drucken")).to_be_hidden()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "weekly-report-print.png"), full_page=True)
    pdf = page.pdf(path=str(ARTIFACTS / "weekly-report.pdf"), prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF") and re.search(rb"/MediaBox \[0 0 59[45][.\d]* 84[12][.\d]*\]", pdf)  # A4 in pt
    page.emulate_media(media="screen")
    bad = page.goto(f"{base_url}/insights/report?week=2026-W99")
    assert bad is not None and bad.status == 400
    expect(page.get_by_text("JJJJ-Www")).to_be_visible()

    # Accessibility of both views at 100 % and at 200 % zoom.
    for width, _scale, axe_context in at_both_zooms(browser):
        axe_page = axe_context.new_page()
        login(axe_page, base_url, LEAD)
        expect(axe_page.locator("#ss-conversations")).to_have_text(str(ss["conversations"]), timeout=BOT)
        assert_fits_and_accessible(axe_page, "the weekly summary", width)
        axe_page.goto(f"{base_url}{href}")
        expect(axe_page.get_by_role("heading", name=f"Wochenbericht {week}")).to_be_visible(timeout=BOT)
        assert_fits_and_accessible(axe_page, "the printable week", width)
