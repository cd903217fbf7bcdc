"""Issue 16's finding 1: a bad record never stops the whole.

A save that could not be read back is refused with a field message; a row that cannot be read (inserted
directly into the database) is skipped and reported by every reader, and search, chat, the editor list and
the followers go on.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import update

from desk import accounts
from desk import articles as store
from desk.db import articles as articles_table
from desk.db import bump
from desk.live_knowledge import LiveKnowledgeSource
from desk.runtime import LazyDesk
from knowledge.articles import ArticleError
from tests.conftest import desk_web_app, plain_settings, stand_in_kb
from tests.unit.desk.test_article_store import BEAMER
from tests.unit.web.test_console_api import login
from tests.unit.web.test_web import rasa_mock

FIELDS = {
    "slug": "beamer-sitzungssaal",
    "title": "Beamer im Sitzungssaal verbinden",
    "language": "de",
    "tags": "beamer, hdmi",
    "owner": "Team Arbeitsplatz",
    "reviewed": "2026-11-27",
    "audience": "alle Beschäftigten",
    "body": "Mit dem Beamer zeigen Sie Ihren Bildschirm.",
}


def new_source(desk) -> LiveKnowledgeSource:
    kb = stand_in_kb()
    return LiveKnowledgeSource(plain_settings().knowledge, LazyDesk.ready(desk), poll_s=3600, kb=kb, listen=False)


@pytest.fixture
def live(desk):
    source = new_source(desk)
    source.warm_up()
    yield source
    source.stop()


@pytest.fixture
def app(desk, desk_settings, live):
    return desk_web_app(desk, desk_settings, live, rasa_mock)


@pytest.fixture
async def editor(app, desk) -> dict[str, str]:
    accounts.create_user(desk.engine, username="erika", password="editor-password-1", roles=("editor",))
    return await login(app, "erika", "editor-password-1")


def poison(desk, slug: str, source: str = "---\ntitle: [kaputt\n---\nText\n") -> None:
    """What the issue found in the field: a row nobody can read, written past the store (by hand, or by an
    older version); the change counter moves, as with any save."""
    with desk.engine.begin() as conn:
        rev = bump(conn, "knowledge")
        conn.execute(update(articles_table).where(articles_table.c.slug == slug).values(source=source, revision=rev))


@pytest.mark.parametrize(
    "field, value",
    [
        ("title", "   "),
        ("title", "\u00a0"),
        ("owner", " \u00a0 "),
        ("audience", "\t"),
        ("title", "Beamer\x7f"),
        ("owner", "Team\x85Arbeitsplatz"),
        ("audience", "alle\ufffe"),
        ("tags", "beamer, \x9b"),
        ("title", "Beamer\u2028Saal"),
    ],
)
async def test_a_field_that_could_not_be_read_back_is_refused_and_the_list_keeps_working(
    app, editor, field, value
) -> None:
    _, resp = await app.asgi_client.post("/api/articles", json={**FIELDS, field: value}, headers=editor)
    assert resp.status == 400 and field in resp.json["fields"], resp.text
    _, resp = await app.asgi_client.get("/api/articles", headers=editor)
    assert resp.status == 200 and len(resp.json["articles"]) == 60


def test_the_store_refuses_what_would_not_read_back(desk) -> None:
    before = store.count(desk.engine)
    for bad in (replace(BEAMER, title=" "), replace(BEAMER, owner="a\u2029b"), replace(BEAMER, notes="x\x00")):
        with pytest.raises(ArticleError):
            store.create(desk.engine, bad, "Erika")
    assert store.count(desk.engine) == before


def test_followers_skip_a_damaged_row_and_apply_the_other_changes(desk, live) -> None:
    kb = live.get()
    assert kb.article("vpn-fehler") is not None
    poison(desk, "vpn-fehler")
    store.create(desk.engine, replace(BEAMER, status="published"), "Erika")
    applied = live.refresh()  # the catch-up does not fail ...
    assert "vpn-fehler" in applied.damaged and live.damaged.keys() == {"vpn-fehler"}
    assert kb.article("beamer-sitzungssaal") is not None  # ... and applies the rest
    assert kb.article("vpn-fehler") is None  # its current text is unknown: out of the chat
    restarted = new_source(desk)  # a restart loads the index without it
    try:
        assert restarted.get().article("beamer-sitzungssaal") is not None
        assert restarted.damaged.keys() == {"vpn-fehler"} and len(restarted.get()) == 60
    finally:
        restarted.stop()


async def test_a_poisoned_article_is_listed_as_damaged_and_search_health_and_editing_go_on(
    app, desk, live, editor
) -> None:
    poison(desk, "vpn-fehler")
    live.refresh()
    _, resp = await app.asgi_client.get("/api/articles", headers=editor)
    assert resp.status == 200 and len(resp.json["articles"]) == 60
    damaged = [a for a in resp.json["articles"] if "damaged" in a["flags"]]
    assert [a["slug"] for a in damaged] == ["vpn-fehler"] and damaged[0]["title"]
    _, resp = await app.asgi_client.get("/api/knowledge/search", params={"q": "Drucker druckt nicht"})
    assert resp.status == 200 and resp.json["hits"]
    _, resp = await app.asgi_client.get("/health")
    assert resp.status == 200 and "damaged (skipped): vpn-fehler" in resp.json["parts"]["knowledge_index"]["detail"]
    _, resp = await app.asgi_client.get("/api/articles/vpn-fehler", headers=editor)
    assert resp.status == 409 and "beschädigt" in resp.json["error"]
    _, resp = await app.asgi_client.post("/api/articles/vpn-fehler/publish", json={}, headers=editor)
    assert resp.status == 409 and resp.json["damaged"]["slug"] == "vpn-fehler"
    _, resp = await app.asgi_client.post("/api/articles", json=FIELDS, headers=editor)
    assert resp.status == 201  # other edits still reach the store
    live.refresh()


async def test_a_damaged_article_can_be_retired_and_repaired_by_restoring_a_version(app, desk, live, editor) -> None:
    poison(desk, "vpn-fehler")
    _, resp = await app.asgi_client.delete("/api/articles/vpn-fehler", headers=editor)
    assert resp.status == 200 and resp.json["status"] == "retired" and resp.json["flags"] == ["damaged"]
    version = resp.json["version"]
    _, resp = await app.asgi_client.post(
        "/api/articles/vpn-fehler/restore", json={"version": 1, "current_version": version}, headers=editor
    )
    assert resp.status == 200 and resp.json["status"] == "retired" and resp.json["title"]
    _, resp = await app.asgi_client.get("/api/articles/vpn-fehler/versions", headers=editor)
    assert [v["change"] for v in resp.json["versions"][:2]] == [
        "Version 1 wiederhergestellt",
        "Zurückgezogen (beschädigt)",
    ]
    live.refresh()
    assert live.damaged == {}  # repaired: no longer reported
