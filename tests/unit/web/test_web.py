"""Web service routes through Sanic's test client; Rasa is replaced by an httpx mock transport."""

from __future__ import annotations

import json

import httpx
import pytest
import yaml
from sqlalchemy import select

from desk.db import conversations
from knowledge.source import KnowledgeUnavailable, StaticKnowledgeSource
from settings import ROOT
from tests.conftest import fake_upstream, web_app
from tests.unit.fakes import RecordingRasa

OPENAPI = ROOT / "web" / "static" / "openapi.yaml"


def rasa_mock(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/status":
        return httpx.Response(200, json={"model_id": "abc", "model_file": "servicedesk.tar.gz"})
    if request.url.path == "/health":
        return httpx.Response(200, json={"status": "ok"})
    if request.url.path == "/webhooks/rest/webhook":
        body = json.loads(request.content)
        return httpx.Response(
            200,
            json=[
                {"recipient_id": body["sender"], "text": f"echo: {body['message']}"},
                {
                    "recipient_id": body["sender"],
                    "custom": {
                        "type": "article",
                        "slug": "vpn-fehler",
                        "title": "VPN",
                        "url": "http://127.0.0.1:8000/kb/vpn-fehler",
                    },
                },
                {
                    "recipient_id": body["sender"],
                    "text": "<img src=x onerror=alert(1)>",
                    "custom": {"type": "article", "url": "https://evil.example/x", "title": "x"},
                },
            ],
        )
    return httpx.Response(404)


@pytest.fixture
def app(settings, hashing_kb):
    app = web_app(
        settings,
        StaticKnowledgeSource(hashing_kb),
        upstream=fake_upstream(rasa_mock),
    )

    return app


async def test_search_returns_ranked_hits_with_urls(app) -> None:
    _, resp = await app.asgi_client.get("/api/knowledge/search", params={"q": "0xC004F074", "k": 3})
    assert resp.status == 200
    body = resp.json
    assert body["query"] == "0xC004F074"
    assert len(body["hits"]) == 3
    assert body["hits"][0]["slug"] == "office-aktivierung"
    assert body["hits"][0]["url"] == "http://127.0.0.1:8000/kb/office-aktivierung"
    assert set(body["hits"][0]) == {"slug", "title", "score", "snippet", "url"}


@pytest.mark.parametrize(
    "params, field",
    [
        ({}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 1001}, "q"),
        ({"q": "Drucker", "k": "0"}, "k"),
        ({"q": "Drucker", "k": "viele"}, "k"),
    ],
)
async def test_search_rejects_bad_input_clearly(app, params, field) -> None:
    _, resp = await app.asgi_client.get("/api/knowledge/search", params=params)
    assert resp.status == 400
    assert resp.json["field"] == field and resp.json["error"] and resp.json["error_en"]


async def test_search_without_knowledge_base_is_503(settings) -> None:
    class Missing:
        def get(self):
            raise KnowledgeUnavailable("no model")

    app = web_app(
        settings,
        Missing(),
    )
    _, resp = await app.asgi_client.get("/api/knowledge/search", params={"q": "Drucker"})
    assert resp.status == 503


async def test_article_page_renders_and_unknown_slug_is_404(app) -> None:
    _, resp = await app.asgi_client.get("/kb/vpn-fehler")
    assert resp.status == 200 and "<h1>" in resp.text and "<ol>" in resp.text and 'lang="de"' in resp.text
    _, resp = await app.asgi_client.get("/kb/gibt-es-nicht")
    assert resp.status == 404 and "keinen Artikel" in resp.text


async def test_health_ok_when_all_parts_answer(app) -> None:
    _, resp = await app.asgi_client.get("/health")
    assert resp.status == 200 and resp.json["status"] == "ok" and resp.json["missing"] == []


async def test_health_names_missing_parts(settings, hashing_kb) -> None:
    app = web_app(
        settings,
        StaticKnowledgeSource(hashing_kb),
        upstream=fake_upstream(lambda r: httpx.Response(503)),
    )

    _, resp = await app.asgi_client.get("/health")
    assert resp.status == 503
    assert resp.json["missing"] == ["rasa", "action_server"]


async def session(app, **body) -> dict[str, str]:
    _, resp = await app.asgi_client.post("/api/chat/session", json=body)
    assert resp.status == 200, resp.json
    return {"authorization": f"Bearer {resp.json['session']}"}


async def test_chat_relays_with_a_signed_session_and_no_cookie(app) -> None:
    auth = await session(app)
    _, resp = await app.asgi_client.post("/api/chat/messages", json={"text": "Hallo"}, headers=auth)
    assert resp.status == 200
    messages = resp.json["messages"]
    assert messages[0]["text"] == "echo: Hallo"
    assert messages[0]["data"]["article"]["url"] == "http://127.0.0.1:8000/kb/vpn-fehler"  # merged into the text before
    assert "article" not in messages[1]["data"]  # foreign link dropped
    assert "set-cookie" not in resp.headers
    _, hist = await app.asgi_client.get("/api/chat/history", headers=auth)
    assert [m["text"] for m in hist.json["messages"]][:2] == ["Hallo", "echo: Hallo"]


async def test_chat_rejects_empty_text_and_forged_sessions(app) -> None:
    auth = await session(app)
    _, resp = await app.asgi_client.post("/api/chat/messages", json={"text": "  "}, headers=auth)
    assert resp.status == 400 and resp.json["field"] == "text"
    token = auth["authorization"].split()[1]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in ("", "Bearer x", f"Bearer {forged}"):
        _, resp = await app.asgi_client.post("/api/chat/messages", json={"text": "x"}, headers={"authorization": bad})
        assert resp.status == 401 and "abgelaufen" in resp.json["error"]
        _, resp = await app.asgi_client.get("/api/chat/history", headers={"authorization": bad})
        assert resp.status == 401


async def test_sessions_keep_their_conversation_and_new_starts_another(settings, hashing_kb) -> None:
    rasa = RecordingRasa()
    app = web_app(settings, StaticKnowledgeSource(hashing_kb), rasa=rasa)
    auth = await session(app)
    again = await session(app, session=auth["authorization"].split()[1])  # another tab with the stored session
    await app.asgi_client.post("/api/chat/messages", json={"text": "Hallo"}, headers=auth)
    await app.asgi_client.post("/api/chat/messages", json={"text": "Drucker"}, headers=again)
    other = await session(app)
    await app.asgi_client.post("/api/chat/messages", json={"text": "Hallo"}, headers=other)
    seen = rasa.senders
    assert seen[0] == seen[1] != seen[2]  # one conversation per session, another for another browser
    _, resp = await app.asgi_client.post("/api/chat/new", headers=auth)
    assert resp.status == 200
    _, hist = await app.asgi_client.get("/api/chat/history", headers=auth)
    assert hist.json["messages"] == []
    await app.asgi_client.post("/api/chat/messages", json={"text": "Neu"}, headers=auth)
    assert rasa.senders[3] not in seen[:3]


async def test_an_employee_identity_follows_the_person_across_browsers(settings, hashing_kb) -> None:
    from desk.identity import make_identity

    key = b"intranet-shared-key-with-32-bytes"
    app = web_app(
        settings.override(SERVICEDESK_IDENTITY_SECRET=key.decode()),
        StaticKnowledgeSource(hashing_kb),
        upstream=fake_upstream(rasa_mock),
    )

    token = make_identity("m.mueller", key)
    _, first = await app.asgi_client.post("/api/chat/session", json={"identity": token})
    assert first.status == 200 and first.json["user"] == "employee"
    laptop = {"authorization": f"Bearer {first.json['session']}"}
    await app.asgi_client.post("/api/chat/messages", json={"text": "Hallo vom Laptop"}, headers=laptop)
    _, second = await app.asgi_client.post("/api/chat/session", json={"identity": make_identity("m.mueller", key)})
    phone = {"authorization": f"Bearer {second.json['session']}"}
    _, hist = await app.asgi_client.get("/api/chat/history", headers=phone)
    assert hist.json["messages"][0]["text"] == "Hallo vom Laptop"
    assert "m.mueller" not in first.json["session"]  # only a pseudonym travels
    # Without the intranet's token an employee session is not renewed (the next person at a shared PC)
    _, renewed = await app.asgi_client.post("/api/chat/session", json={"session": first.json["session"]})
    assert renewed.json["user"] == "anonymous" and renewed.json["session"] != first.json["session"]
    stranger = {"authorization": f"Bearer {renewed.json['session']}"}
    _, hist = await app.asgi_client.get("/api/chat/history", headers=stranger)
    assert hist.json["messages"] == []
    await app.asgi_client.post("/api/chat/messages", json={"text": "Hallo anonym"}, headers=stranger)
    # The weekly report sees returns only of signed-in employees: the conversation records which it was.
    with app.ctx.desk.get().engine.connect() as conn:
        rows = conn.execute(select(conversations.c.signed_in)).scalars().all()
    assert sorted(rows) == [False, True]
    wrong = b"wrong-key-wrong-key-wrong-key-wrong"
    for bad in (make_identity("m.mueller", wrong), make_identity("x", key, ttl_s=-120), "a.b.c"):
        _, resp = await app.asgi_client.post("/api/chat/session", json={"identity": bad})
        assert resp.status == 401 and "Intranet" in resp.json["error"]


async def test_cors_only_for_allowed_intranet_origins(settings, hashing_kb) -> None:
    app = web_app(
        settings.override(SERVICEDESK_ALLOWED_ORIGINS="http://intranet.example"),
        StaticKnowledgeSource(hashing_kb),
    )
    headers = {"origin": "http://intranet.example", "access-control-request-method": "POST"}
    _, resp = await app.asgi_client.options("/api/chat/messages", headers=headers)
    assert resp.status == 204 and resp.headers["access-control-allow-origin"] == "http://intranet.example"
    assert "Authorization" in resp.headers["access-control-allow-headers"]
    _, resp = await app.asgi_client.options("/api/chat/messages", headers={**headers, "origin": "http://evil.example"})
    assert "access-control-allow-origin" not in resp.headers
    _, resp = await app.asgi_client.get("/widget.js")
    assert resp.status == 200 and "javascript" in resp.headers["content-type"]


async def test_openapi_documents_every_route(app) -> None:
    _, resp = await app.asgi_client.get("/openapi.yaml")
    assert resp.status == 200
    documented = {p.rstrip("/") for p in yaml.safe_load(resp.text)["paths"]}
    routes = {
        "/"
        + r.path.replace("<slug:str>", "{slug}")
        .replace("<escalation_id:int>", "{id}")
        .replace("<reply_id:int>", "{id}")
        .replace("<incident_id:int>", "{id}")
        .replace("<surge_id:int>", "{id}")
        .replace("<version:int>", "{version}")
        .replace("<attachment_id:int>", "{attachment_id}")
        .replace("<name:str>", "{name}")
        .replace("<__file_uri__:path>", "{name}")  # app.static: a file below web/static/
        for r in app.router.routes
    }
    assert routes == documented


async def test_chat_body_must_be_an_object_and_broken_rasa_replies_are_502(settings, hashing_kb) -> None:
    app = web_app(
        settings,
        StaticKnowledgeSource(hashing_kb),
        upstream=fake_upstream(lambda r: httpx.Response(200, text="<html>")),
    )

    auth = await session(app)
    _, resp = await app.asgi_client.post("/api/chat/messages", json=[1, 2], headers=auth)
    assert resp.status == 400
    _, resp = await app.asgi_client.post("/api/chat/messages", json={"text": "Hallo"}, headers=auth)
    assert resp.status == 502 and resp.json["error"]
    _, resp = await app.asgi_client.get("/health")
    assert resp.status == 503 and "rasa" in resp.json["missing"]


async def test_pages_carry_a_content_security_policy(app) -> None:
    _, resp = await app.asgi_client.get("/chat")
    assert "default-src 'self'" in resp.headers["content-security-policy"]


@pytest.mark.parametrize(
    "path, page, own",
    [
        ("/console/", "console", 'id="workspace"'),
        ("/editor/", "editor", 'id="nav"'),
        ("/insights/", "insights", "chart"),
    ],
)
async def test_staff_pages_share_one_frame_with_their_own_parts(app, path, page, own) -> None:
    """The frame's login form and "no access" once, the page's own parts, its module, nothing left unfilled."""
    _, resp = await app.asgi_client.get(path)
    assert resp.status == 200 and resp.headers["content-type"].startswith("text/html")
    assert "script-src" not in resp.headers["content-security-policy"]  # default-src 'self': no inline scripts
    body = resp.text
    assert body.count('id="login-form"') == 1 and body.count('id="no-role"') == 1 and body.count("<main") == 1
    assert own in body and f'<script type="module" src="/static/{page}/main.js">' in body
    assert f'href="/static/{page}.css"' in body and "${" not in body and "<!--slot" not in body
    _, script = await app.asgi_client.get(f"/static/{page}/main.js")
    assert script.status == 200 and "javascript" in script.headers["content-type"]


async def test_static_files_are_ours_only_and_readable_from_any_page(app) -> None:
    _, resp = await app.asgi_client.get("/static/staff/api.js", headers={"origin": "http://intranet.example"})
    assert resp.status == 200 and resp.headers["access-control-allow-origin"] == "*"
    for path in ("/static/staff/", "/static/nope.js", "/static/%2e%2e/app.py", "/static/..%2Fapp.py"):
        _, resp = await app.asgi_client.get(path)
        assert resp.status == 404 and resp.headers["content-type"].startswith("application/json"), path
        assert "access-control-allow-origin" not in resp.headers


def test_article_markdown_cannot_carry_script_links(articles) -> None:
    from dataclasses import replace

    from web.knowledge.service import render_article_body

    evil = replace(
        articles[0], body="[klick](javascript:alert(1)) <script>x</script> [ok](https://portal.stadt.example)"
    )
    rendered = render_article_body(evil)
    assert "javascript:" not in rendered and "<script>" not in rendered
    assert 'href="https://portal.stadt.example"' in rendered
