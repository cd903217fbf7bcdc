"""The knowledge editor /editor/ in real headless Chromium: list, edit, test panel, save, publish, history, gaps.

Each test creates its own article through the API (a unique slug per run), so the tests neither depend on nor
change the seeded articles. The page's CSP forbids eval, so every wait is a locator or ``expect`` (never
``wait_for_function``); only the axe runs use a context with ``bypass_csp`` (axe is injected as an inline script).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from desk import gaps
from desk.db import open_db
from scripts.stack import Stack
from tests.integration.browser import (
    assert_accessible,
    assert_fits_and_accessible,
    at_both_zooms,
    axe_violations,
    describe,
    staff_login,
    watch,
)
from tests.integration.conftest import ADMIN, ARTIFACTS, ensure_user, staff_client

pytestmark = pytest.mark.integration
EDITOR = {"username": "editor.kb", "password": "editor-kb-pass-123", "display_name": "Erika Redaktion"}
AGENT = {"username": "agent.kb", "password": "agent-kb-pass-123", "display_name": "Arne Agent"}
WAIT = 30_000  # saving a published article re-indexes it; two cores
TITLE = "Zeiterfassung: Buchung am Terminal klappt nicht"
QUESTION = "Die Zeiterfassung am Terminal nimmt meine Buchung nicht an"
BODY_V1 = (
    "Diese Anleitung hilft, wenn das Zeiterfassungsterminal Ihre Kommen- oder Gehen-Buchung nicht annimmt.\n\n"
    "## So gehen Sie vor\n"
    "1. Halten Sie Ihren Dienstausweis ruhig für zwei Sekunden an das Lesefeld des Terminals.\n"
    "2. Prüfen Sie, ob das Display „Buchung gespeichert“ zeigt.\n\n"
    "## Wenn es nicht funktioniert\n"
    "- Buchen Sie im Zeiterfassungsportal nach.\n\n"
    "## Wann Sie den Service Desk kontaktieren\n"
    "Wenn das Terminal einen Fehlercode zeigt."
)  # the server stores the body stripped
PARKING = [
    "Wie bekomme ich einen Parkausweis für die Tiefgarage?",
    "Wo beantrage ich einen Parkausweis für die Tiefgarage?",
    "Parkausweis für die Tiefgarage beantragen",
]
COFFEE = ["Wer entkalkt die Kaffeemaschine in der Teeküche?"]
ADDED_STEP = "3. Warten Sie nach einer Fehlbuchung eine Minute und buchen Sie dann erneut am Terminal."


def article_fields(slug: str, title: str = TITLE, body: str = BODY_V1) -> dict[str, Any]:
    return {
        "slug": slug,
        "title": title,
        "language": "de",
        "tags": ["zeiterfassung", "terminal", "buchung"],
        "owner": "Team Arbeitsplatz",
        "reviewed": date.today().isoformat(),
        "review_by": "",
        "audience": "alle Beschäftigten",
        "questions": [QUESTION, "Kommen-Buchung am Zeiterfassungsterminal fehlt"],
        "notes": "Angelegt vom Browser-Test.",
        "body": body,
    }


@pytest.fixture(scope="module")
def accounts(browser: Browser, base_url: str) -> None:
    ensure_user(base_url, EDITOR, ["editor"])
    ensure_user(base_url, AGENT, ["agent"])


@pytest.fixture(scope="module")
def seeded_gaps(stack: Stack) -> None:
    """Questions the chat could not answer, written as the action server does (the page embeds them)."""
    engine = open_db(stack.settings.records.db_url)
    for i, question in enumerate(PARKING + COFFEE):
        gaps.record_gap(
            engine,
            secret=b"editor-browser-test",
            conversation_id=f"editor-browser-{i}",
            question=question,
            reason="none",
            language="de",
        )
    engine.dispose()


@pytest.fixture
def editor_api(base_url: str, accounts: None) -> Iterator[httpx.Client]:
    client = staff_client(base_url, EDITOR)
    yield client
    client.close()


def published_article(api: httpx.Client, title: str = TITLE) -> dict[str, Any]:
    """A new article of our own (unique slug), created and published through the API."""
    slug = f"test-zeiterfassung-{uuid.uuid4().hex[:8]}"
    created = api.post("/api/articles", json=article_fields(slug, title))
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "draft", created.text
    published = api.post(f"/api/articles/{slug}/publish")
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published", published.text
    return published.json()


def current(api: httpx.Client, slug: str) -> dict[str, Any]:
    resp = api.get(f"/api/articles/{slug}")
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE", reduced_motion="reduce")
    yield ctx
    ctx.close()


def watched_page(context: BrowserContext) -> tuple[Page, list[str], list[str]]:
    """A page that records script errors and accepts every dialog (the editor confirms before retiring)."""
    page = context.new_page()
    seen = watch(page, accept_dialogs=True)
    return page, seen.problems, seen.dialogs


def login(page: Page, base_url: str, account: dict[str, str], hash_: str = "#/list") -> None:
    staff_login(page, f"{base_url}/editor/{hash_}", account)
    expect(page.locator("#user-name")).to_have_text(account["display_name"], timeout=WAIT)


def test_editor_edits_tests_publishes_and_restores(
    browser: Browser, base_url: str, context: BrowserContext, editor_api: httpx.Client
) -> None:
    article = published_article(editor_api)
    slug = article["slug"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page, problems, dialogs = watched_page(context)
    login(page, base_url, EDITOR)
    expect(page.locator("html")).to_have_attribute("lang", "de")

    # The list: our article is found by the search box and shows its status and owner.
    expect(page.get_by_role("heading", name="Artikel", exact=True)).to_be_visible()
    row = page.locator(f'#articles-body tr[data-slug="{slug}"]')
    expect(row).to_contain_text("veröffentlicht", timeout=WAIT)
    page.screenshot(path=str(ARTIFACTS / "editor-list.png"), full_page=True)
    page.get_by_label("Suche").fill("Zeiterfassung")
    expect(page.locator("#articles-body tr:not(:has-text('Zeiterfassung'))")).to_have_count(0, timeout=WAIT)
    expect(row).to_contain_text("Team Arbeitsplatz")
    page.get_by_label("Status").select_option("draft")
    expect(row).to_have_count(0, timeout=WAIT)
    page.get_by_label("Status").select_option("")
    expect(row).to_have_count(1, timeout=WAIT)

    # Open it: the form holds the article, the preview renders the Markdown.
    row.get_by_role("link", name=TITLE).click()
    expect(page).to_have_url(re.compile(f"#/article/{slug}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE, timeout=WAIT)
    expect(page.locator("#article-status")).to_have_text("veröffentlicht")
    body = page.get_by_label("Text (Markdown)")
    expect(body).to_have_value(BODY_V1)
    expect(page.get_by_label("Kurzname (Adresse)")).to_have_attribute("readonly", "")
    preview = page.locator("#preview")
    expect(preview.get_by_role("heading", name="So gehen Sie vor")).to_be_visible(timeout=WAIT)
    assert page.locator("#dirty").is_hidden()

    # Edit the body: unsaved-change marker, live preview.
    body_v2 = BODY_V1.replace("## Wenn es nicht funktioniert", ADDED_STEP + "\n\n## Wenn es nicht funktioniert")
    body.fill(body_v2)
    expect(page.locator("#dirty")).to_be_visible()
    expect(preview).to_contain_text("Warten Sie nach einer Fehlbuchung", timeout=WAIT)

    # The test panel ranks the unsaved draft, marked as such.
    page.get_by_label("Frage testen").fill(QUESTION)
    page.get_by_role("button", name="Testen").click()
    draft_row = page.locator("#test-hits-body tr.is-draft")
    expect(draft_row).to_contain_text("Entwurf", timeout=WAIT)
    expect(draft_row).to_contain_text(TITLE)
    expect(draft_row.locator("td.num").nth(1)).to_have_text(re.compile(r"^\d+,\d{3}$"))
    expect(page.locator("#test-outcome")).to_have_text(re.compile(r"^(Antwort|Rückfrage|Keine Antwort):"))
    page.screenshot(path=str(ARTIFACTS / "editor-article.png"), full_page=True)

    # Save: a new version with the edited body; still published.
    before_save = current(editor_api, slug)["version"]
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_contain_text(f"Gespeichert (Version {before_save + 1})", timeout=WAIT)
    expect(page.locator("#dirty")).to_be_hidden()
    saved = current(editor_api, slug)
    assert saved["body"] == body_v2 and saved["version"] == before_save + 1, saved
    assert saved["updated_by"] == EDITOR["display_name"], saved

    # Retire (after a confirmation), then publish again with an unsaved change: saved first, then published.
    page.get_by_role("button", name="Zurückziehen").click()
    expect(page.locator("#article-status")).to_have_text("zurückgezogen", timeout=WAIT)
    assert any("zurückziehen" in d for d in dialogs), dialogs
    assert current(editor_api, slug)["status"] == "retired"
    questions = page.get_by_label("Typische Fragen")
    questions.fill(questions.input_value() + "\nZeiterfassungsterminal zeigt rotes Licht")
    page.get_by_role("button", name="Veröffentlichen").click()
    expect(page.locator("#article-status")).to_have_text("veröffentlicht", timeout=WAIT)
    expect(page.locator("#dirty")).to_be_hidden()
    live = current(editor_api, slug)
    assert live["status"] == "published", live
    assert "Zeiterfassungsterminal zeigt rotes Licht" in live["questions"], live
    assert live["body"] == body_v2, live

    # History: versions with their diff, audit events; restore the first version.
    page.get_by_role("button", name="Verlauf anzeigen").click()
    versions = page.locator("#versions > li")
    expect(versions.first).to_be_visible(timeout=WAIT)
    edited = page.locator(f'#versions > li[data-version="{before_save + 1}"]')
    edited.get_by_role("button", name="Änderungen anzeigen").click()
    expect(edited.locator("pre.diff .diff-add")).to_contain_text(["Warten Sie nach einer Fehlbuchung"])
    expect(page.locator("#audit")).to_contain_text("Veröffentlicht")
    expect(page.locator("#audit")).to_contain_text(EDITOR["display_name"])

    old = editor_api.get(f"/api/articles/{slug}/versions/1")
    assert old.status_code == 200, old.text
    old_body = old.json()["article"]["body"]
    assert old_body == BODY_V1
    before_restore = current(editor_api, slug)["version"]
    page.locator('#versions > li[data-version="1"]').get_by_role(
        "button", name="Diese Version wiederherstellen"
    ).click()
    expect(page.get_by_role("status")).to_contain_text("Version 1 wurde wiederhergestellt", timeout=WAIT)
    expect(body).to_have_value(old_body)
    restored = current(editor_api, slug)
    assert restored["body"] == old_body, restored
    assert restored["version"] > before_restore, (before_restore, restored)
    expect(page.locator(f'#versions > li[data-version="{restored["version"]}"]')).to_contain_text("(aktuell)")

    # The gap queue is one click away in the top navigation.
    page.get_by_role("navigation", name="Bereiche").get_by_role("link", name="Wissenslücken").click()
    expect(page.get_by_role("heading", name="Wissenslücken", level=1)).to_be_focused(timeout=WAIT)
    assert problems == [], problems


def test_gap_queue_drafts_an_article_and_dismisses(
    base_url: str, context: BrowserContext, editor_api: httpx.Client, seeded_gaps: None
) -> None:
    page, problems, dialogs = watched_page(context)
    login(page, base_url, EDITOR, "#/gaps")
    expect(page.get_by_role("heading", name="Wissenslücken", level=1)).to_be_visible(timeout=WAIT)
    parking = page.locator("#gaps > li", has_text="Parkausweis").first
    coffee = page.locator("#gaps > li", has_text="Kaffeemaschine")
    expect(parking).to_be_visible(timeout=WAIT)
    expect(coffee).to_have_count(1)
    expect(parking.locator("table")).to_contain_text("KW")
    expect(parking).to_contain_text("keine passende Anleitung")
    expect(page.locator("#gaps-summary")).to_contain_text("offene Fragen")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "editor-gaps.png"), full_page=True)

    # Dismiss: the cluster leaves the page and the queue.
    coffee.get_by_role("button", name="Verwerfen").click()
    expect(coffee).to_have_count(0, timeout=WAIT)
    queue = editor_api.get("/api/knowledge/gaps")
    assert queue.status_code == 200, queue.text
    left = [q for c in queue.json()["clusters"] for q in c["questions"]]
    assert not any("Kaffeemaschine" in q for q in left), left

    # Draft an article from a cluster: a new form, pre-filled from its questions.
    cluster_questions = [q.strip() for q in parking.locator("ul.questions > li").all_inner_texts()]
    assert len(cluster_questions) >= 1
    parking.get_by_role("button", name="Artikel entwerfen").click()
    expect(page).to_have_url(re.compile("#/new$"))
    expect(page.get_by_role("heading", name="Neuer Artikel", level=1)).to_be_visible(timeout=WAIT)
    title = page.get_by_label("Titel", exact=True)
    expect(title).to_have_value(cluster_questions[0])
    expect(page.get_by_label("Typische Fragen")).to_have_value("\n".join(cluster_questions[:6]))
    expect(page.get_by_label("Interne Notizen (nur für die Redaktion)")).to_have_value(
        "Fragen aus der Lückenliste:\n" + "\n".join(f"- {q}" for q in cluster_questions)
    )
    expect(page.get_by_label("Text (Markdown)")).to_have_value(
        "## So gehen Sie vor\n1. \n\n## Wenn es nicht funktioniert\n- \n\n## Wann Sie den Service Desk kontaktieren\n"
    )
    expect(page.get_by_label("Kurzname (Adresse)")).not_to_have_attribute("readonly", "")

    # Missing fields: each error next to its field (aria-invalid, aria-describedby) and in the summary.
    title.fill("")
    page.get_by_label("Kurzname (Adresse)").fill(f"test-parkausweis-{uuid.uuid4().hex[:6]}")
    page.get_by_role("button", name="Speichern").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible(timeout=WAIT)
    expect(summary).to_contain_text("Titel")
    expect(summary).to_contain_text("Schlagwörter")
    expect(summary).to_be_focused()
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-title-error")).to_be_visible()
    expect(title).to_have_attribute("aria-describedby", re.compile("f-title-error"))
    expect(page.get_by_role("alert").filter(has_text="Bitte korrigieren Sie")).to_be_visible()

    title.fill(cluster_questions[0])
    page.get_by_label("Schlagwörter").fill("parken, tiefgarage")
    page.locator("#article-form").get_by_label("Verantwortlich").fill("Team Liegenschaften")
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator("#article-status")).to_have_text("Entwurf", timeout=WAIT)
    expect(page).to_have_url(re.compile("#/article/test-parkausweis-"))
    expect(summary).to_be_hidden()
    slug = page.url.rsplit("/", 1)[-1]
    created = current(editor_api, slug)
    assert created["status"] == "draft" and created["title"] == cluster_questions[0], created
    assert created["questions"] == cluster_questions[:6], created
    expect(page.get_by_label("Kurzname (Adresse)")).to_have_attribute("readonly", "")

    # "Neuer Artikel" from the list opens an empty form with the body template.
    page.get_by_role("link", name="Artikel", exact=True).click()
    page.get_by_role("button", name="Neuer Artikel").click()
    expect(page.get_by_role("heading", name="Neuer Artikel", level=1)).to_be_visible(timeout=WAIT)
    expect(page.get_by_label("Titel", exact=True)).to_have_value("")
    expect(page.get_by_label("Text (Markdown)")).to_have_value(re.compile("^## So gehen Sie vor"))
    assert dialogs == [], dialogs
    assert problems == [], problems


def test_the_test_panel_shows_progress_at_once(browser: Browser, base_url: str, editor_api: httpx.Client) -> None:
    """The first Test run of a fresh process takes seconds (the draft is embedded): the panel says at once that it
    runs, next to the button and in the page's live region, until the result is there. The answer is held back in
    the browser, so "at once" is checked while no result can exist yet."""
    article = published_article(editor_api)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE", bypass_csp=True)
    page, problems, _ = watched_page(context)
    held: list[Route] = []
    try:
        login(page, base_url, EDITOR, f"#/article/{article['slug']}")
        expect(page.get_by_role("heading", level=1)).to_have_text(TITLE, timeout=WAIT)
        page.route("**/api/knowledge/test", lambda route: held.append(route))
        page.get_by_label("Frage testen").fill(QUESTION)
        page.get_by_role("button", name="Testen").click()
        progress = page.locator("#test-progress")
        expect(progress).to_be_visible()
        expect(progress).to_have_text(re.compile(r"^Test läuft …"))
        expect(page.get_by_role("status")).to_have_text(re.compile(r"^Test läuft …"))
        expect(page.locator("#test-result")).to_have_attribute("aria-busy", "true")
        expect(page.get_by_role("button", name="Testen")).to_be_disabled()
        assert len(held) == 1 and page.locator("#test-outcome").inner_text() == ""
        assert_accessible(page, "editor: test running")

        held[0].continue_()
        expect(page.locator("#test-outcome")).to_have_text(
            re.compile(r"^(Antwort|Rückfrage|Keine Antwort):"), timeout=WAIT
        )
        expect(progress).to_be_hidden()
        expect(page.locator("#test-result")).not_to_have_attribute("aria-busy", "true")
        expect(page.get_by_role("button", name="Testen")).to_be_enabled()
        expect(page.get_by_role("status")).not_to_contain_text("Test läuft")
        assert_accessible(page, "editor: test done")
        assert problems == []
    finally:
        context.close()


def test_conflict_keeps_the_editors_text(base_url: str, context: BrowserContext, editor_api: httpx.Client) -> None:
    article = published_article(editor_api, title="Zeiterfassung: Konflikt beim Speichern")
    slug = article["slug"]
    page, problems, _ = watched_page(context)
    login(page, base_url, EDITOR, f"#/article/{slug}")
    body = page.get_by_label("Text (Markdown)")
    expect(body).to_have_value(BODY_V1, timeout=WAIT)
    mine = BODY_V1 + "\n\nMeine Fassung aus dem Browser."
    body.fill(mine)

    # Someone else saves meanwhile.
    admin = staff_client(base_url, ADMIN)
    try:
        theirs = BODY_V1 + "\n\nFassung von nebenan."
        resp = admin.put(
            f"/api/articles/{slug}",
            json={**article_fields(slug, article["title"], theirs), "version": article["version"]},
        )
        assert resp.status_code == 200, resp.text
    finally:
        admin.close()

    page.get_by_role("button", name="Speichern").click()
    conflict = page.locator("#conflict-text")
    expect(conflict).to_be_visible(timeout=WAIT)
    expect(conflict).to_contain_text("geändert")
    expect(body).to_have_value(mine)
    expect(page.locator("#dirty")).to_be_visible()
    assert current(editor_api, slug)["body"] == theirs  # nothing overwritten silently

    page.get_by_role("button", name="Neueste Version laden").click()
    expect(page.locator("#conflict-current-body")).to_contain_text("Fassung von nebenan", timeout=WAIT)
    expect(body).to_have_value(mine)

    # Deliberately keeping one's own text saves it on top of the newest version.
    page.get_by_role("button", name="Mit Ihrer Fassung überschreiben").click()
    expect(page.get_by_role("status")).to_contain_text("Gespeichert", timeout=WAIT)
    assert current(editor_api, slug)["body"] == mine
    expect(page.locator("#conflict")).to_be_hidden()
    assert problems == [], problems


def test_editor_pages_are_accessible(browser: Browser, base_url: str, editor_api: httpx.Client) -> None:
    """axe-core finds nothing on the list, the editor (test results, a diff) and the gaps, at 100 % and 200 %."""
    article = published_article(editor_api, title="Zeiterfassung: Barrierefreiheit")
    slug = article["slug"]
    for width, scale, ctx in at_both_zooms(browser):
        page = ctx.new_page()
        login(page, base_url, EDITOR)
        expect(page.locator(f'#articles-body tr[data-slug="{slug}"]')).to_be_visible(timeout=WAIT)
        assert_fits_and_accessible(page, "the list", width)

        page.goto(f"{base_url}/editor/#/article/{slug}")
        expect(page.locator("#preview").get_by_role("heading", name="So gehen Sie vor")).to_be_visible(timeout=WAIT)
        page.get_by_label("Frage testen").fill(QUESTION)
        page.get_by_role("button", name="Testen").click()
        expect(page.locator("#test-hits-body tr").first).to_be_visible(timeout=WAIT)
        page.get_by_role("button", name="Verlauf anzeigen").click()
        expect(page.locator("#versions > li").first).to_be_visible(timeout=WAIT)
        toggles = page.get_by_role("button", name="Änderungen anzeigen")
        if toggles.count():
            toggles.first.click()
        assert_fits_and_accessible(page, "the editor", width)
        if scale == 2:
            page.screenshot(path=str(ARTIFACTS / "editor-article-zoom200.png"), full_page=True)

        page.goto(f"{base_url}/editor/#/gaps")
        expect(page.locator("#gaps-summary")).to_contain_text("offene", timeout=WAIT)
        violations = axe_violations(page)
        assert violations == [], f"axe on the gaps at {width}px:\n{describe(violations)}"


def test_account_without_editor_role_is_refused(base_url: str, context: BrowserContext, accounts: None) -> None:
    page = context.new_page()
    page.goto(f"{base_url}/editor/")
    page.get_by_label("Benutzername").fill(AGENT["username"])
    page.get_by_label("Passwort").fill(AGENT["password"])
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator("#no-role")).to_contain_text("nicht die Rolle „editor“", timeout=WAIT)
    expect(page.get_by_role("heading", name="Kein Zugriff auf die Wissensredaktion")).to_be_focused()
    expect(page.locator("#list-view")).to_be_hidden()
    assert context.request.get(f"{base_url}/api/articles").status == 403
