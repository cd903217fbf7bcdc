"""Issue 6 end to end: an article published through the editor API is answered by the chat within 2 s.

Two searching processes run: the action server (answers Rasa's REST channel) and the web service
(``/api/knowledge/search``, ``/kb/``). Neither is told about the change; both follow the database.
"""

from __future__ import annotations

import time
import uuid

import httpx

from scripts.stack import Stack
from tests.integration.conftest import ensure_user, staff_client

EDITOR = {"username": "kb-editor", "password": "kb-editor-password-1", "display_name": "Erika Editor"}
QUESTION = "Wie verbinde ich mein Notebook mit dem Beamer im Sitzungssaal?"
BEAMER = {
    "slug": "beamer-sitzungssaal",
    "title": "Beamer im Sitzungssaal verbinden",
    "language": "de",
    "tags": ["beamer", "projektor", "sitzungssaal", "präsentation", "hdmi"],
    "owner": "Team Arbeitsplatz",
    "reviewed": "2026-11-27",
    "audience": "alle Beschäftigten",
    "questions": [
        "Wie verbinde ich den Beamer im Sitzungssaal?",
        "Beamer im Sitzungssaal zeigt kein Bild",
        "Wie schließe ich meinen Laptop an den Projektor im Sitzungssaal an?",
        "Präsentation im Sitzungssaal auf dem Beamer zeigen",
    ],
    "body": (
        "Im Sitzungssaal zeigen Sie Ihre Präsentation über den Beamer an der Decke.\n\n"
        "## So gehen Sie vor\n"
        "1. Schalten Sie den Beamer am Bedienfeld neben der Tür mit „Beamer an“ ein.\n"
        "2. Stecken Sie das HDMI-Kabel am Rednerpult in Ihr Notebook.\n"
        "3. Drücken Sie Windows-Taste + P und wählen Sie „Duplizieren“.\n\n"
        "## Wenn es nicht funktioniert\n- Prüfen Sie am Bedienfeld die Quelle „HDMI Pult“.\n\n"
        "## Wann Sie den Service Desk kontaktieren\nBleibt das Bild schwarz, rufen Sie die Durchwahl 4444 an.\n"
    ),
}


def rasa_answer(stack: Stack, text: str) -> list[dict]:
    url = f"{stack.settings.servers.rasa_url}/webhooks/rest/webhook"
    resp = httpx.post(url, json={"sender": f"kb-live-{uuid.uuid4().hex[:8]}", "message": text}, timeout=30)
    resp.raise_for_status()
    return resp.json()


def answers_with(reply: list[dict], slug: str) -> bool:
    return any(f"/kb/{slug}" in (m.get("text") or "") or (m.get("custom") or {}).get("slug") == slug for m in reply)


def test_a_published_article_is_answered_by_the_chat_within_two_seconds(stack: Stack, base_url: str) -> None:
    ensure_user(base_url, EDITOR, ["editor"])
    editor = staff_client(base_url, EDITOR)
    try:
        assert not answers_with(rasa_answer(stack, QUESTION), BEAMER["slug"])  # not covered before
        resp = editor.post("/api/articles", json=BEAMER)
        assert resp.status_code == 201, resp.text
        assert not answers_with(rasa_answer(stack, QUESTION), BEAMER["slug"])  # a draft is not live

        resp = editor.post(f"/api/articles/{BEAMER['slug']}/publish", json={})
        published = time.monotonic()
        assert resp.status_code == 200 and resp.json()["status"] == "published"
        chat_sent_at = web_seen_at = None
        while time.monotonic() - published < 2.0 and (chat_sent_at is None or web_seen_at is None):
            if web_seen_at is None:
                hits = httpx.get(f"{base_url}/api/knowledge/search", params={"q": QUESTION}).json()["hits"]
                if hits and hits[0]["slug"] == BEAMER["slug"]:
                    web_seen_at = time.monotonic() - published
            if chat_sent_at is None:
                sent = time.monotonic() - published
                if answers_with(rasa_answer(stack, QUESTION), BEAMER["slug"]):
                    chat_sent_at = sent
            time.sleep(0.05)
        # The action server (via Rasa) and the web service both follow the database, within 2 s.
        assert chat_sent_at is not None, "the chat did not answer with the new article within 2 s"
        assert web_seen_at is not None, "the web service's search did not find the new article within 2 s"
        assert httpx.get(f"{base_url}/kb/{BEAMER['slug']}").status_code == 200

        resp = editor.delete(f"/api/articles/{BEAMER['slug']}")
        assert resp.status_code == 200 and resp.json()["status"] == "retired"
        deadline = time.monotonic() + 5
        while httpx.get(f"{base_url}/kb/{BEAMER['slug']}").status_code != 404 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert httpx.get(f"{base_url}/kb/{BEAMER['slug']}").status_code == 404
        assert not answers_with(rasa_answer(stack, QUESTION), BEAMER["slug"])
        audit = editor.get(f"/api/articles/{BEAMER['slug']}/audit").json()["events"]
        assert [(e["action"], e["actor"]) for e in audit] == [
            ("retire", "Erika Editor"),
            ("publish", "Erika Editor"),
            ("create", "Erika Editor"),
        ]
    finally:
        editor.close()


DICTATION = [
    "Mein Diktiergerät wird am PC nicht erkannt",
    "Das Diktiergerät wird vom Computer nicht erkannt",
    "Der PC erkennt mein Diktiergerät nicht, ich bin Max Muster",
    "Diktiergerät wird am Rechner nicht erkannt, was tun?",
    "Mein Computer erkennt das Diktiergerät nicht mehr",
]


def test_similar_unanswered_chat_questions_form_one_cluster_in_the_gap_queue(stack: Stack, base_url: str) -> None:
    ensure_user(base_url, EDITOR, ["editor"])
    editor = staff_client(base_url, EDITOR)
    try:
        for text in DICTATION:
            sender = f"gap-{uuid.uuid4().hex[:8]}"
            url = f"{stack.settings.servers.rasa_url}/webhooks/rest/webhook"
            reply = httpx.post(url, json={"sender": sender, "message": text}, timeout=30).json()
            if any(b.get("payload") == "/deny" for m in reply for b in m.get("buttons") or []):
                httpx.post(url, json={"sender": sender, "message": "/deny"}, timeout=30)  # "Nichts davon"
        report = editor.get("/api/knowledge/gaps").json()
        # Other tests leave gaps in the shared stack too: find ours, it must hold all five and nothing else.
        (top,) = [c for c in report["clusters"] if any("Diktiergerät" in q for q in c["questions"])]
        assert top["size"] >= len(DICTATION), report
        assert all("Diktiergerät" in q for q in top["questions"])
        assert not any("Max Muster" in q for q in top["questions"])  # "ich bin <Name>" redacted
        assert sum(w["count"] for w in top["weeks"]) == top["size"]
        assert editor.post("/api/knowledge/gaps/dismiss", json={"gap_ids": top["gap_ids"]}).json() == {
            "dismissed": top["size"],
            "closed_ids": sorted(top["gap_ids"]),
            "already_closed": [],
            "unknown": [],
        }
        after = editor.get("/api/knowledge/gaps").json()
        assert all(set(c["gap_ids"]).isdisjoint(top["gap_ids"]) for c in after["clusters"])
    finally:
        editor.close()
