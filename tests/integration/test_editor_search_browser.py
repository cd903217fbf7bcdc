"""The editor's full-text search and gap queue (issue 18) in real headless Chromium.

"Papierstau" finds the printer article with the word marked; the gap queue filters by words, reason and week,
dismisses several groups at once, and adds a group's question to an article ("Als Frage zu Artikel …
hinzufügen"), which makes a new version that the chat searches within seconds. axe-core finds nothing in the
new states, at 100 % and 200 %. Each gap group carries a random word of its own (one shared word would pull the
groups into one cluster), so runs and other tests do not mix.
"""

from __future__ import annotations

import random
import string
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import update

from desk import gaps
from desk.db import knowledge_gaps, open_db
from scripts.stack import Stack
from tests.integration.browser import assert_accessible, assert_fits_and_accessible, at_both_zooms, new_context
from tests.integration.conftest import ensure_user, staff_client
from tests.integration.test_editor_browser import EDITOR, WAIT, login, published_article

pytestmark = pytest.mark.integration
PRINTER_TITLE = "Drucker druckt nicht oder Druckaufträge bleiben hängen"
OLD = timedelta(days=15)  # a question from two weeks back: another ISO week


def week_of(at: datetime, tz: Any) -> str:  # noqa: ANN401 - a tzinfo
    year, week, _ = at.astimezone(tz).isocalendar()
    return f"{year}-W{week:02d}"


@pytest.fixture(scope="module")
def editor_api(base_url: str) -> Iterator[httpx.Client]:
    ensure_user(base_url, EDITOR, ["editor"])
    client = staff_client(base_url, EDITOR)
    yield client
    client.close()


@pytest.fixture
def seeded(stack: Stack, editor_api: httpx.Client) -> dict[str, Any]:
    """Our own article and four gap groups, each with a word of its own: one 👎 on our article, one two weeks old."""
    article = published_article(editor_api, title="Zeiterfassung: Terminal piept dreimal")
    words = {k: "".join(random.choices(string.ascii_lowercase, k=8)) for k in ("rated", "canteen", "bike", "old")}
    questions = {  # letters only: nothing for the redaction to take
        "rated": [
            f"Das Terminal {words['rated']} piept dreimal und bucht nicht",
            f"Das Terminal {words['rated']} piept dreimal und bucht nicht!",
        ],
        "canteen": [f"Wo lade ich die Kantinenkarte {words['canteen']} auf?"],
        "bike": [f"Wie leihe ich ein Dienstfahrrad {words['bike']} aus?"],
        "old": [f"Die Schranke {words['old']} im Parkhaus öffnet nicht"],
    }
    engine = open_db(stack.settings.records.db_url)
    for group, texts in questions.items():
        for text in texts:
            gaps.record_gap(
                engine,
                secret=b"editor-search-browser",
                conversation_id=f"editor-search-{uuid.uuid4().hex}",
                question=text,
                reason={"rated": "not_helpful", "bike": "clarify"}.get(group, "none"),
                language="de",
                article=article["slug"] if group == "rated" else None,
            )
    back = datetime.now(UTC) - OLD
    with engine.begin() as conn:
        conn.execute(
            update(knowledge_gaps).where(knowledge_gaps.c.question == questions["old"][0]).values(created_at=back)
        )
    engine.dispose()
    old_week = week_of(back, stack.settings.handoff.hours.tz)
    return {"article": article, "words": words, "questions": questions, "old_week": old_week}


def group(page: Page, text: str) -> Any:  # noqa: ANN401 - a Playwright Locator
    return page.locator("#gaps > li", has_text=text)


def test_full_text_search_finds_papierstau(browser: Browser, base_url: str, editor_api: httpx.Client) -> None:
    context, page, dialogs = new_context(browser, axe=True)
    try:
        login(page, base_url, EDITOR)
        search = page.get_by_label("Suche (Volltext: Titel, Fragen, Text, Schlagwort)")
        search.fill("Papierstau")
        row = page.locator('#articles-body tr[data-slug="drucker-druckt-nicht"]')
        expect(row).to_be_visible(timeout=WAIT)
        expect(page.locator("#articles-body tr")).to_have_count(1)
        expect(row.locator("mark")).to_have_text(["Papierstau"])
        expect(row).to_contain_text("Gefunden in: Fragen, Text")
        expect(row.get_by_role("link")).to_have_text(PRINTER_TITLE)
        expect(page.locator("#list-count")).to_contain_text("beste Treffer zuerst")
        assert_accessible(page, "editor: a full-text hit")

        search.fill("Druckerwarteschlange")  # a compound the article only has as its two parts
        expect(row.locator("mark").first).to_have_text("Drucker", timeout=WAIT)
        search.fill("Zeppelinlandeplatz")
        expect(page.locator("#list-empty")).to_be_visible(timeout=WAIT)
        expect(page.locator("#articles-body tr")).to_have_count(0)
        assert_accessible(page, "editor: no full-text hit")
        assert dialogs == []
    finally:
        context.close()


def test_gap_queue_filters_dismisses_and_adds_a_question(
    browser: Browser, base_url: str, editor_api: httpx.Client, seeded: dict[str, Any]
) -> None:
    words, questions, article = seeded["words"], seeded["questions"], seeded["article"]
    context, page, dialogs = new_context(browser, axe=True)
    try:
        login(page, base_url, EDITOR, "#/gaps")
        expect(page.get_by_role("heading", name="Wissenslücken", level=1)).to_be_visible(timeout=WAIT)
        rated, canteen, bike, old = (group(page, questions[k][0]) for k in ("rated", "canteen", "bike", "old"))
        for item in (rated, canteen, bike, old):
            expect(item).to_have_count(1, timeout=WAIT)
        # The group from a 👎 names the article rated "nicht geholfen", as a link to edit it.
        expect(rated.get_by_role("link", name=article["title"])).to_have_attribute(
            "href", f"#/article/{article['slug']}"
        )
        expect(rated).to_contain_text("Als nicht hilfreich bewertet")

        search = page.get_by_label("Suchbegriff in den Fragen")
        search.fill(words["rated"])
        expect(page.locator("#gaps > li")).to_have_count(1, timeout=WAIT)
        expect(rated).to_be_visible()
        expect(page.locator("#gaps-summary")).to_contain_text("Gefiltert aus")
        search.fill("")
        page.get_by_label("Grund").select_option("clarify")
        expect(rated).to_have_count(0, timeout=WAIT)
        expect(bike).to_be_visible()
        page.get_by_label("Grund").select_option(index=0)
        page.get_by_label("Kalenderwoche").select_option(seeded["old_week"])
        expect(canteen).to_have_count(0, timeout=WAIT)
        expect(old).to_be_visible()
        assert_accessible(page, "editor: gaps filtered by week")
        page.get_by_label("Kalenderwoche").select_option(index=0)
        for item in (rated, canteen, bike, old):
            expect(item).to_have_count(1, timeout=WAIT)

        # Bulk dismiss: two groups chosen, both leave the page and the queue; the others stay.
        canteen.get_by_label("Auswählen").check()
        old.get_by_label("Auswählen").check()
        expect(page.locator("#gap-selected")).to_have_text("2 Gruppen ausgewählt")
        assert_accessible(page, "editor: two gap groups selected")
        page.get_by_role("button", name="Ausgewählte verwerfen").click()
        expect(canteen).to_have_count(0, timeout=WAIT)
        expect(old).to_have_count(0)
        expect(rated).to_have_count(1)
        expect(bike).to_have_count(1)
        expect(page.locator("#status")).to_contain_text("2 Gruppen wurden verworfen")
        left = editor_api.get("/api/knowledge/gaps").json()
        shown = {q for c in left["clusters"] for q in c["questions"]}
        assert shown.isdisjoint(questions["canteen"] + questions["old"]), shown
        assert set(questions["rated"] + questions["bike"]) <= shown, shown

        # "Als Frage zu Artikel hinzufügen": the rated article is chosen already, the question is the group's.
        wording = rated.get_by_label("Frage", exact=True).input_value()
        assert wording in questions["rated"]
        expect(rated.get_by_label("Artikel", exact=True)).to_have_value(article["slug"])
        rated.get_by_role("button", name="Als Frage zu Artikel hinzufügen").click()
        expect(rated).to_have_count(0, timeout=WAIT)
        expect(page.locator("#status")).to_contain_text("ist jetzt eine Beispielfrage", timeout=WAIT)
        expect(page.locator("#gaps-summary")).to_contain_text("als Frage übernommen")
        assert_accessible(page, "editor: a question added from the gaps")
        stored = editor_api.get(f"/api/articles/{article['slug']}").json()
        assert stored["version"] == article["version"] + 1 and stored["questions"][-1] == wording

        # Live like any edit: the chat's search finds the article by the new question.
        for _ in range(60):
            hits = httpx.get(f"{base_url}/api/knowledge/search", params={"q": wording}).json()["hits"]
            if hits and hits[0]["slug"] == article["slug"]:
                break
            page.wait_for_timeout(500)
        assert hits and hits[0]["slug"] == article["slug"], hits

        page.goto(f"{base_url}/editor/#/article/{article['slug']}")
        expect(page.get_by_label("Typische Fragen")).to_have_value(
            "\n".join([*article["questions"], wording]), timeout=WAIT
        )
        assert dialogs == []
    finally:
        context.close()


def test_the_new_states_fit_and_pass_axe_at_both_zooms(browser: Browser, base_url: str, seeded: dict[str, Any]) -> None:
    for width, _scale, ctx in at_both_zooms(browser):
        page = ctx.new_page()
        login(page, base_url, EDITOR)
        page.get_by_label("Suche (Volltext: Titel, Fragen, Text, Schlagwort)").fill("Papierstau")
        expect(page.locator("#articles-body mark").first).to_be_visible(timeout=WAIT)
        assert_fits_and_accessible(page, "a full-text hit", width)
        page.goto(f"{base_url}/editor/#/gaps")
        page.get_by_label("Suchbegriff in den Fragen").fill(seeded["words"]["rated"])
        expect(page.locator("#gaps > li")).to_have_count(1, timeout=WAIT)
        page.locator("#gaps > li").first.get_by_label("Auswählen").check()
        assert_fits_and_accessible(page, "the filtered gap queue with a group selected", width)
