"""The editor API's full-text search and gap queue operations: filters, bulk dismiss, add as a question."""

from __future__ import annotations

from datetime import datetime

import pytest

from desk import gaps
from desk.db import knowledge_gaps
from tests.unit.web import test_editor_api as editor
from tests.unit.web.test_editor_api import BEAMER, login, until

PRINTER = "drucker-druckt-nicht"
app, live = editor.app, editor.live  # the editor tests' fixtures: live knowledge over the test's records


def record(desk, question: str, reason: str = "none", conversation: str = "c", article: str | None = None) -> int:
    assert gaps.record_gap(
        desk.engine,
        secret=desk.secret,
        conversation_id=conversation,
        question=question,
        reason=reason,
        language="de",
        article=article,
    )
    return max(g.id for g in gaps.open_gaps(desk.engine))


async def test_full_text_search_finds_papierstau_in_the_questions_and_body(app, desk) -> None:
    ed = await login(app, desk, "erika", ("editor",))
    _, resp = await app.asgi_client.get("/api/articles?q=Papierstau", headers=ed)
    assert resp.status == 200
    (hit,) = resp.json["articles"]
    assert hit["slug"] == PRINTER and hit["match"]["fields"] == ["questions", "body"]
    snippet, marks = hit["match"]["snippet"], hit["match"]["marks"]
    assert [snippet[s:e] for s, e in marks] == ["Papierstau"]
    # Ranked by relevance: the article with the words in its title comes first.
    _, resp = await app.asgi_client.get("/api/articles?q=drucker", headers=ed)
    slugs = [a["slug"] for a in resp.json["articles"]]
    assert set(slugs[:2]) == {PRINTER, "drucker-hinzufuegen"} and "homeoffice-einrichten" in slugs[2:]
    scores = [a["match"]["score"] for a in resp.json["articles"]]
    assert scores == sorted(scores, reverse=True)
    # Combined with the other filters.
    _, resp = await app.asgi_client.get("/api/articles?q=Papierstau&status=draft", headers=ed)
    assert resp.json["articles"] == []


@pytest.mark.parametrize(
    "query, status",
    [
        ("Zeppelinlandeplatz", 200),
        ("Papierstau+Zeppelin", 200),
        ("%25%25%25", 200),
        ("%3Cscript%3E", 200),
        ("%F0%9F%98%80", 200),
        ("%00", 400),  # the input policy refuses control characters
        ("x" * 5000, 400),  # and over-long parameters
    ],
)
async def test_a_search_without_hits_or_with_odd_input_finds_nothing(app, desk, query: str, status: int) -> None:
    ed = await login(app, desk, "erika", ("editor",))
    _, resp = await app.asgi_client.get(f"/api/articles?q={query}", headers=ed)
    assert resp.status == status
    assert resp.json["articles"] == [] if status == 200 else resp.json["error"]


async def test_the_queue_names_the_rated_article_and_filters_by_words_reason_and_week(app, desk) -> None:
    ed = await login(app, desk, "erika", ("editor",))
    record(desk, "Papierstau im Drucker Fach 3 geht nicht weg", "not_helpful", "a", PRINTER)
    record(desk, "Wie buche ich den Dienstwagen?", "none", "b")
    record(desk, "Kantine Speiseplan heute", "clarify", "c")
    _, resp = await app.asgi_client.get("/api/knowledge/gaps", headers=ed)
    body = resp.json
    assert body["total"] == 3 and body["open"] == 3 and body["facets"]["reasons"]["not_helpful"] == 1
    (rated,) = [c for c in body["clusters"] if c["articles"]]
    assert rated["articles"] == [
        {"slug": PRINTER, "count": 1, "title": "Drucker druckt nicht oder Druckaufträge bleiben hängen"}
    ]
    week = body["facets"]["weeks"][0]["week"]
    assert week == datetime.now(desk.hours.tz).strftime("%G-W%V")

    async def shown(query: str) -> list[str]:
        _, r = await app.asgi_client.get(f"/api/knowledge/gaps?{query}", headers=ed)
        assert r.status == 200, r.json
        return sorted(q for c in r.json["clusters"] for q in c["questions"])

    assert await shown("q=dienstwagen") == ["Wie buche ich den Dienstwagen?"]
    assert await shown("q=stau+fach") == ["Papierstau im Drucker Fach 3 geht nicht weg"]
    assert await shown("reason=clarify") == ["Kantine Speiseplan heute"]
    assert len(await shown(f"week={week}")) == 3
    assert await shown("week=2020-W01") == []
    _, r = await app.asgi_client.get("/api/knowledge/gaps?week=2020-W01", headers=ed)
    assert r.json["total"] == 0 and r.json["open"] == 3  # the filter lists still count every open question
    for bad in ("reason=nope", "week=2026-49", "week=2026-W60", "q=" + "x" * 201):
        _, r = await app.asgi_client.get(f"/api/knowledge/gaps?{bad}", headers=ed)
        assert r.status == 400 and r.json["fields"], bad


async def test_bulk_dismiss_says_what_happened_to_each_id(app, desk) -> None:
    ed = await login(app, desk, "erika", ("editor",))
    ids = [record(desk, f"Frage {word}", conversation=word) for word in ("Beamer", "Kantine", "Parkplatz")]
    _, resp = await app.asgi_client.post(
        "/api/knowledge/gaps/dismiss", json={"gap_ids": [ids[0], ids[1], 999_999]}, headers=ed
    )
    assert resp.status == 200
    assert resp.json == {"dismissed": 2, "closed_ids": ids[:2], "already_closed": [], "unknown": [999_999]}
    _, resp = await app.asgi_client.post("/api/knowledge/gaps/dismiss", json={"gap_ids": ids}, headers=ed)
    assert resp.json == {"dismissed": 1, "closed_ids": [ids[2]], "already_closed": ids[:2], "unknown": []}
    _, resp = await app.asgi_client.get("/api/knowledge/gaps", headers=ed)
    assert resp.json["total"] == 0 and resp.json["dismissed"] == 3 and resp.json["added"] == 0
    for bad in ([], [1.5], [True], ["1"], [0], [-3], [2**63], list(range(1, 5002)), "all", None):
        _, resp = await app.asgi_client.post("/api/knowledge/gaps/dismiss", json={"gap_ids": bad}, headers=ed)
        assert resp.status == 400, bad


async def test_adding_a_gap_question_makes_a_live_version_and_closes_the_gaps(app, desk, live) -> None:
    ed = await login(app, desk, "erika", ("editor",))
    _, resp = await app.asgi_client.post("/api/articles", json=BEAMER, headers=ed)
    _, resp = await app.asgi_client.post(f"/api/articles/{BEAMER['slug']}/publish", json={}, headers=ed)
    assert resp.json["version"] == 2
    first = record(desk, "Der Projektor im Ratssaal zeigt kein Bild, Tel. 0123 456-7890", conversation="a")
    second = record(desk, "Projektor Ratssaal kein Bild", conversation="b")
    (stored,) = [g.question for g in gaps.open_gaps(desk.engine) if g.id == first]
    assert "[Telefon]" in stored  # the question is the redacted one

    _, resp = await app.asgi_client.post(
        "/api/knowledge/gaps/add-question", json={"gap_ids": [first, second], "slug": BEAMER["slug"]}, headers=ed
    )
    assert resp.status == 200, resp.json
    assert resp.json["added"] is True and resp.json["question"] == stored
    assert resp.json["closed_ids"] == [first, second] and resp.json["unknown"] == []
    article = resp.json["article"]
    assert article["version"] == 3 and article["status"] == "published"
    assert article["questions"] == [*BEAMER["questions"], stored] and article["updated_by"] == "Erika"
    _, resp = await app.asgi_client.get(f"/api/articles/{BEAMER['slug']}/versions", headers=ed)
    assert resp.json["versions"][0]["change"] == "Typische Fragen geändert"
    _, resp = await app.asgi_client.get("/api/knowledge/gaps", headers=ed)
    assert resp.json["total"] == 0 and resp.json["added"] == 2 and resp.json["dismissed"] == 0
    with desk.engine.connect() as conn:
        assert {r.added_to for r in conn.execute(knowledge_gaps.select())} == {BEAMER["slug"]}

    async def live_in_chat() -> bool:
        _, r = await app.asgi_client.get("/api/knowledge/search", params={"q": stored})
        return bool(r.json["hits"]) and r.json["hits"][0]["slug"] == BEAMER["slug"]

    assert await until(live_in_chat)

    # An edited wording; the same question again adds no version; the gaps must exist.
    third = record(desk, "Beamer zeigt nichts", conversation="c")
    payload = {"gap_ids": [third], "slug": BEAMER["slug"], "question": "  Der Beamer zeigt kein Bild  "}
    _, resp = await app.asgi_client.post("/api/knowledge/gaps/add-question", json=payload, headers=ed)
    assert (
        resp.json["article"]["questions"][-1] == "Der Beamer zeigt kein Bild" and resp.json["article"]["version"] == 4
    )
    _, resp = await app.asgi_client.post("/api/knowledge/gaps/add-question", json=payload, headers=ed)
    assert resp.status == 200 and resp.json["added"] is False and resp.json["article"]["version"] == 4
    assert resp.json["closed_ids"] == [] and resp.json["already_closed"] == [third]
    _, resp = await app.asgi_client.post(
        "/api/knowledge/gaps/add-question", json={**payload, "gap_ids": [999_999]}, headers=ed
    )
    assert resp.status == 404 and resp.json["field"] == "gap_ids"


async def test_adding_refuses_bad_input_unknown_and_retired_articles(app, desk) -> None:
    ed = await login(app, desk, "erika", ("editor",))
    gap = record(desk, "Beamer zeigt nichts")
    url = "/api/knowledge/gaps/add-question"
    for bad in (
        {"gap_ids": [gap]},
        {"gap_ids": [gap], "slug": ""},
        {"gap_ids": [gap], "slug": PRINTER, "question": "x" * 301},
        {"gap_ids": [gap], "slug": PRINTER, "question": "   "},
        {"gap_ids": [gap], "slug": PRINTER, "question": 5},
        {"gap_ids": "x", "slug": PRINTER},
        {"gap_ids": [gap], "slug": PRINTER, "question": "Zeile\nzwei"},
    ):
        _, resp = await app.asgi_client.post(url, json=bad, headers=ed)
        assert resp.status == 400 and resp.json["fields"], bad
    _, resp = await app.asgi_client.post(url, json={"gap_ids": [gap], "slug": "gibt-es-nicht"}, headers=ed)
    assert resp.status == 404
    _, resp = await app.asgi_client.delete(f"/api/articles/{PRINTER}", headers=ed)
    _, resp = await app.asgi_client.post(url, json={"gap_ids": [gap], "slug": PRINTER}, headers=ed)
    assert resp.status == 409 and resp.json["field"] == "slug"
    assert [g.id for g in gaps.open_gaps(desk.engine)] == [gap]  # nothing closed by a refused request


async def test_only_editors_search_and_work_the_queue(app, desk) -> None:
    gap = record(desk, "Beamer zeigt nichts")
    calls = [
        ("get", "/api/articles?q=Papierstau", None),
        ("get", "/api/knowledge/gaps?reason=none", None),
        ("post", "/api/knowledge/gaps/dismiss", {"gap_ids": [gap]}),
        ("post", "/api/knowledge/gaps/add-question", {"gap_ids": [gap], "slug": PRINTER}),
    ]
    for method, url, body in calls:
        _, resp = await getattr(app.asgi_client, method)(url, **({"json": body} if body else {}))
        assert resp.status == 401, url
    agent = await login(app, desk, "anna", ("agent",))
    ed = await login(app, desk, "erika", ("editor",))
    for method, url, body in calls:
        options = {"json": body} if body else {}
        _, resp = await getattr(app.asgi_client, method)(url, headers=agent, **options)
        assert resp.status == 403, url
        if method == "post":
            _, resp = await app.asgi_client.post(url, json=body, headers={"cookie": ed["cookie"]})
            assert resp.status == 403, url  # no CSRF token
    assert [g.id for g in gaps.open_gaps(desk.engine)] == [gap]
