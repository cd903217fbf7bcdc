"""Issue 16, finding 1 end to end: a poisoned article in the database leaves search, chat and the editor working.

A row nobody can read is written straight into the stack's database (as an older version or a hand edit
could leave it). The web service and the action server both follow the database: they must skip it, say so
(/health detail, "damaged" in the editor list) and keep applying later edits: an article published
afterwards is answered by the chat (Rasa -> action server) and found by the web service's search.
"""

from __future__ import annotations

import time
import uuid

import httpx
from sqlalchemy import update

from desk.db import articles, bump, open_db
from scripts.stack import Stack
from tests.integration.conftest import ensure_user, staff_client

EDITOR = {"username": "kb-poison", "password": "kb-poison-password-1", "display_name": "Paula Prüferin"}
POISONED = "spam-quarantaene"
SHREDDER = {
    "slug": "aktenvernichter-defekt",
    "title": "Aktenvernichter im Kopierraum defekt",
    "language": "de",
    "tags": ["aktenvernichter", "schredder", "kopierraum"],
    "owner": "Team Arbeitsplatz",
    "reviewed": "2026-11-27",
    "audience": "alle Beschäftigten",
    "questions": ["Der Aktenvernichter im Kopierraum ist defekt", "Schredder im Kopierraum geht nicht"],
    "body": (
        "Der Aktenvernichter im Kopierraum ist ein Gerät der Hausverwaltung.\n\n"
        "## So gehen Sie vor\n1. Ziehen Sie den Stecker und leeren Sie den Auffangbehälter.\n"
        "2. Melden Sie den Defekt der Hausverwaltung unter Durchwahl 2000.\n"
    ),
}
QUESTION = "Der Aktenvernichter im Kopierraum ist defekt"


def poison(stack: Stack) -> None:
    engine = open_db(stack.settings.records.db_url)
    try:
        with engine.begin() as conn:
            rev = bump(conn, "knowledge")
            conn.execute(
                update(articles)
                .where(articles.c.slug == POISONED)
                .values(source="---\ntitle: [kaputt\n---\nText\n", revision=rev)
            )
    finally:
        engine.dispose()


def chat_offers(stack: Stack, slug: str) -> bool:
    url = f"{stack.settings.servers.rasa_url}/webhooks/rest/webhook"
    reply = httpx.post(url, json={"sender": f"poison-{uuid.uuid4().hex[:8]}", "message": QUESTION}, timeout=30).json()
    cards = [(m.get("custom") or {}).get("slug") for m in reply]
    buttons = [b.get("payload", "") for m in reply for b in m.get("buttons") or []]
    return (
        slug in cards or any(slug in p for p in buttons) or any(f"/kb/{slug}" in (m.get("text") or "") for m in reply)
    )


def until(check, seconds: float) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


def knowledge_detail(base_url: str) -> str:
    return httpx.get(f"{base_url}/health", timeout=30).json()["parts"]["knowledge_index"]["detail"]


def test_a_poisoned_article_leaves_search_chat_and_the_editor_working(stack: Stack, base_url: str) -> None:
    ensure_user(base_url, EDITOR, ["editor"])
    editor = staff_client(base_url, EDITOR)
    try:
        poison(stack)
        assert until(lambda: f"damaged (skipped): {POISONED}" in knowledge_detail(base_url), 10)
        assert httpx.get(f"{base_url}/health", timeout=30).status_code == 200

        listed = editor.get("/api/articles")
        assert listed.status_code == 200
        flagged = [a["slug"] for a in listed.json()["articles"] if "damaged" in a["flags"]]
        assert flagged == [POISONED]
        search = httpx.get(f"{base_url}/api/knowledge/search", params={"q": "Mein Drucker druckt nicht"}, timeout=30)
        assert search.status_code == 200 and search.json()["hits"][0]["slug"] == "drucker-druckt-nicht"

        # A later edit still reaches every follower: the action server answers with it, the search finds it.
        assert editor.post("/api/articles", json=SHREDDER).status_code == 201
        assert editor.post(f"/api/articles/{SHREDDER['slug']}/publish", json={}).status_code == 200
        assert until(lambda: chat_offers(stack, SHREDDER["slug"]), 15), "the chat never saw the later edit"

        def found_by_search() -> bool:
            hits = httpx.get(f"{base_url}/api/knowledge/search", params={"q": QUESTION}, timeout=30).json()["hits"]
            return bool(hits) and hits[0]["slug"] == SHREDDER["slug"]

        # The web service follows on its own (250 ms poll + embedding): it may come a moment after the actions.
        assert until(found_by_search, 15), "the search never found the later edit"

        # Chat through the web service as the widget does.
        token = httpx.post(f"{base_url}/api/chat/session", json={}, timeout=30).json()["session"]
        said = httpx.post(
            f"{base_url}/api/chat/messages",
            json={"text": "Mein Drucker druckt nicht"},
            headers={"authorization": f"Bearer {token}"},
            timeout=60,
        )
        assert said.status_code == 200 and said.json()["messages"]

        # Repair: restore the first version; the damage report goes away everywhere.
        damaged = editor.get(f"/api/articles/{POISONED}").json()["damaged"]
        restored = editor.post(
            f"/api/articles/{POISONED}/restore", json={"version": 1, "current_version": damaged["version"]}
        )
        assert restored.status_code == 200 and restored.json()["status"] == "published"
        assert until(lambda: "damaged" not in knowledge_detail(base_url), 10)
    finally:
        editor.delete(f"/api/articles/{SHREDDER['slug']}")
        editor.close()
