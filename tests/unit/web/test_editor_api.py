"""The editor API through Sanic's test client: roles, validation, versions, conflicts, live search, gaps."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from desk import accounts, csat, gaps
from desk.live_knowledge import LiveKnowledgeSource
from desk.runtime import LazyDesk
from tests.conftest import stand_in_kb, web_app

BEAMER = {
    "slug": "beamer-sitzungssaal",
    "title": "Beamer im Sitzungssaal verbinden",
    "language": "de",
    "tags": "beamer, projektor, hdmi",
    "owner": "Team Arbeitsplatz",
    "reviewed": "2026-11-27",
    "review_by": "",
    "audience": "alle Beschäftigten",
    "questions": ["Wie verbinde ich den Beamer im Sitzungssaal?"],
    "notes": "",
    "body": "Mit dem Beamer zeigen Sie Ihren Bildschirm.\n\n## So gehen Sie vor\n1. HDMI-Kabel einstecken.\n",
}


@pytest.fixture
def live(desk, desk_settings):
    kb = stand_in_kb()
    source = LiveKnowledgeSource(desk_settings.knowledge, LazyDesk.ready(desk), poll_s=0.05, kb=kb)
    yield source
    source.stop()


@pytest.fixture
def app(desk, desk_settings, live):
    return web_app(desk_settings, live, desk=LazyDesk.ready(desk))


async def login(app, desk, name: str, roles: tuple[str, ...]) -> dict[str, str]:
    accounts.create_user(
        desk.engine, username=name, password="editor-password-1", roles=roles, display_name=name.title()
    )
    _, resp = await app.asgi_client.post("/api/auth/login", json={"username": name, "password": "editor-password-1"})
    return {"cookie": resp.headers["set-cookie"].split(";")[0], "x-csrf-token": resp.json["csrf_token"]}


async def until(check, timeout: float = 3.0):
    for _ in range(int(timeout / 0.05)):
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.05)
    return await check()


async def test_roles_validation_and_the_whole_lifecycle(app, desk, live) -> None:
    _, resp = await app.asgi_client.get("/api/articles")
    assert resp.status == 401
    agent = await login(app, desk, "anna", ("agent",))
    _, resp = await app.asgi_client.get("/api/articles", headers=agent)
    assert resp.status == 403 and "editor" in resp.json["error"]
    ed = await login(app, desk, "erika", ("editor",))
    _, resp = await app.asgi_client.get("/api/articles", headers=ed)
    assert resp.status == 200 and len(resp.json["articles"]) == 60  # the seed
    assert "Team Arbeitsplatz" in resp.json["owners"]

    bad = {**BEAMER, "title": "", "reviewed": "morgen", "body": " "}
    _, resp = await app.asgi_client.post("/api/articles", json=bad, headers=ed)
    assert resp.status == 400 and set(resp.json["fields"]) == {"title", "reviewed", "body"}
    _, resp = await app.asgi_client.post("/api/articles", json=BEAMER, headers={"cookie": ed["cookie"]})
    assert resp.status == 403  # no CSRF token

    _, resp = await app.asgi_client.post("/api/articles", json=BEAMER, headers=ed)
    assert resp.status == 201 and resp.json["status"] == "draft" and resp.json["version"] == 1
    assert resp.json["tags"] == ["beamer", "projektor", "hdmi"] and resp.json["updated_by"] == "Erika"
    _, resp = await app.asgi_client.post("/api/articles", json=BEAMER, headers=ed)
    assert resp.status == 409 and "slug" in resp.json["fields"]

    async def searchable() -> bool:
        _, r = await app.asgi_client.get("/api/knowledge/search?q=Beamer+im+Sitzungssaal+verbinden")
        return r.json["hits"] and r.json["hits"][0]["slug"] == "beamer-sitzungssaal"

    assert not await searchable()  # a draft is not in the chat
    _, resp = await app.asgi_client.post("/api/articles/beamer-sitzungssaal/publish", json={}, headers=ed)
    assert resp.status == 200 and resp.json["status"] == "published" and resp.json["version"] == 2
    assert await until(searchable)

    edited = {**BEAMER, "version": 2, "body": BEAMER["body"] + "2. Windows-Taste + P drücken.\n"}
    _, resp = await app.asgi_client.put("/api/articles/beamer-sitzungssaal", json=edited, headers=ed)
    assert resp.status == 200 and resp.json["version"] == 3
    max_ = await login(app, desk, "max", ("editor",))
    _, resp = await app.asgi_client.put(
        "/api/articles/beamer-sitzungssaal", json={**edited, "owner": "Team Max"}, headers=max_
    )
    assert resp.status == 409
    assert "von Erika geändert" in resp.json["error"] and resp.json["current"]["version"] == 3
    _, resp = await app.asgi_client.put("/api/articles/beamer-sitzungssaal", json=BEAMER, headers=ed)
    assert resp.status == 400 and "version" in resp.json["fields"]

    _, resp = await app.asgi_client.get("/api/articles/beamer-sitzungssaal/versions", headers=ed)
    versions = resp.json["versions"]
    assert [v["version"] for v in versions] == [3, 2, 1]
    assert "+2. Windows-Taste + P drücken." in versions[0]["diff"] and versions[0]["change"] == "Text geändert"
    assert versions[1]["diff"].startswith("Status: draft → published")
    _, resp = await app.asgi_client.post(
        "/api/articles/beamer-sitzungssaal/restore", json={"version": 1, "current_version": 3}, headers=ed
    )
    assert resp.status == 200 and resp.json["version"] == 4 and resp.json["body"] == BEAMER["body"].strip()
    assert resp.json["status"] == "published"

    _, resp = await app.asgi_client.delete("/api/articles/beamer-sitzungssaal", headers=ed)
    assert resp.status == 200 and resp.json["status"] == "retired"
    assert await until(lambda: _not(searchable))
    _, resp = await app.asgi_client.get("/api/articles/beamer-sitzungssaal/audit", headers=ed)
    assert [e["action"] for e in resp.json["events"]] == ["retire", "restore", "publish", "create"]
    _, resp = await app.asgi_client.get("/api/articles?status=retired", headers=ed)
    assert [a["slug"] for a in resp.json["articles"]] == ["beamer-sitzungssaal"]


async def _not(check) -> bool:
    return not await check()


async def test_preview_is_safe_html_and_the_test_panel_uses_the_unsaved_draft(app, desk, live) -> None:
    ed = await login(app, desk, "erika", ("editor",))
    _, resp = await app.asgi_client.post(
        "/api/articles/preview",
        json={"body": "## Titel\n<script>alert(1)</script> [x](javascript:alert(1))"},
        headers=ed,
    )
    assert resp.status == 200 and "<h2>Titel</h2>" in resp.json["html"]
    assert "<script>" not in resp.json["html"] and "javascript:" not in resp.json["html"]
    _, resp = await app.asgi_client.post(
        "/api/knowledge/test", json={"query": "Beamer im Sitzungssaal verbinden", "article": BEAMER}, headers=ed
    )
    assert resp.status == 200 and resp.json["outcome"] in ("answer", "clarify")
    assert resp.json["hits"][0] == {**resp.json["hits"][0], "slug": "beamer-sitzungssaal", "draft": True}
    assert all(not h["draft"] for h in resp.json["hits"][1:])
    _, resp = await app.asgi_client.post("/api/knowledge/test", json={"query": " "}, headers=ed)
    assert resp.status == 400 and "query" in resp.json["fields"]
    _, resp = await app.asgi_client.post(
        "/api/knowledge/test", json={"query": "Beamer", "article": {**BEAMER, "title": ""}}, headers=ed
    )
    assert resp.status == 400 and "title" in resp.json["fields"]
    # A half-written new draft (no slug, owner, tags yet) can be tested: only title and body matter.
    half = {"title": BEAMER["title"], "body": BEAMER["body"], "questions": BEAMER["questions"]}
    _, resp = await app.asgi_client.post(
        "/api/knowledge/test", json={"query": "Beamer im Sitzungssaal verbinden", "article": half}, headers=ed
    )
    assert resp.status == 200 and resp.json["hits"][0]["draft"] and resp.json["hits"][0]["title"] == BEAMER["title"]


async def test_flags_for_poor_feedback_and_overdue_review_and_the_filters(app, desk, live) -> None:
    ed = await login(app, desk, "erika", ("editor",))
    old = (date.today() - timedelta(days=400)).isoformat()
    _, resp = await app.asgi_client.post("/api/articles", json={**BEAMER, "reviewed": old}, headers=ed)
    for helpful in (False, False, True):
        csat.record_article_feedback(desk.engine, slug="beamer-sitzungssaal", helpful=helpful, language="de")
    _, resp = await app.asgi_client.get("/api/articles?overdue=1&q=beamer", headers=ed)
    (a,) = [x for x in resp.json["articles"] if x["slug"] == "beamer-sitzungssaal"]
    assert a["flags"] == ["poor_feedback", "review_overdue"]
    assert a["stats"]["helpful"] == 1 and a["stats"]["not_helpful"] == 2 and a["stats"]["helpful_ratio"] == 0.333
    _, resp = await app.asgi_client.get("/api/articles?owner=Team+Arbeitsplatz&status=draft", headers=ed)
    assert [x["slug"] for x in resp.json["articles"]] == ["beamer-sitzungssaal"]
    _, resp = await app.asgi_client.get("/api/articles?status=nonsense", headers=ed)
    assert resp.status == 400


async def test_gap_queue_clusters_embeds_missing_vectors_and_remembers_dismissal(app, desk, live) -> None:
    ed = await login(app, desk, "erika", ("editor",))
    for i in range(4):
        gaps.record_gap(
            desk.engine,
            secret=desk.secret,
            conversation_id=f"c{i}",
            question="Wie buche ich den Dienstwagen?",
            reason="none",
            language="de",
        )
    gaps.record_gap(
        desk.engine, secret=desk.secret, conversation_id="x", question="Kantine heute", reason="clarify", language="de"
    )
    _, resp = await app.asgi_client.get("/api/knowledge/gaps", headers=ed)
    assert resp.status == 200 and resp.json["total"] == 5
    top = resp.json["clusters"][0]
    assert top["size"] == 4 and top["questions"] == ["Wie buche ich den Dienstwagen?"]
    _, resp = await app.asgi_client.post("/api/knowledge/gaps/dismiss", json={"gap_ids": top["gap_ids"]}, headers=ed)
    assert resp.json["dismissed"] == 4 and resp.json["closed_ids"] == top["gap_ids"]
    _, resp = await app.asgi_client.get("/api/knowledge/gaps", headers=ed)
    assert [c["size"] for c in resp.json["clusters"]] == [1] and resp.json["dismissed"] == 4
    _, resp = await app.asgi_client.post("/api/knowledge/gaps/dismiss", json={"gap_ids": "all"}, headers=ed)
    assert resp.status == 400
