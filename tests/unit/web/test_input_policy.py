"""Issue 16's findings 3-5: bad input is a 400 in German and English, never a 500; limits hold at both ends."""

from __future__ import annotations

import json
from datetime import date

import pytest

from desk import accounts
from desk.live_knowledge import LiveKnowledgeSource
from desk.runtime import LazyDesk
from knowledge.text_policy import char_problem, parse_date, parse_int, username_problem
from tests.conftest import desk_web_app, stand_in_kb, web_app
from tests.unit.web.test_console_api import FakeRasa, agent, employee_says, login, queue
from web.chat.routes import hello
from web.input_policy import PolicyError
from web.knowledge.service import render_markdown, safe_url

TOO_BIG = str(2**70)
JSON = {"content-type": "application/json"}


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def app(desk, desk_settings, rasa):
    kb = stand_in_kb()
    live = LiveKnowledgeSource(desk_settings.knowledge, LazyDesk.ready(desk), poll_s=0.05, kb=kb)
    yield desk_web_app(desk, desk_settings, live, rasa)
    live.stop()


def assert_policy_400(resp, field: str | None = None) -> None:
    assert resp.status == 400, (resp.status, resp.text[:300])
    assert resp.json["error"] and resp.json["error_en"]
    if field is not None:
        assert resp.json["field"] == field


@pytest.mark.parametrize(
    "text, kwargs, problem",
    [
        ("\ud800", {}, "encoding"),
        ("a\x7fb", {}, "control"),
        ("a\x85b", {}, "control"),  # a C1 control (NEL)
        ("a\ufffeb", {}, "control"),
        ("a\u2028b", {"multiline": True}, "control"),  # YAML folds it into a space
        ("zwei\nZeilen", {}, "newline"),
        ("zwei\nZeilen\tmit Tab", {"multiline": True}, None),
        ("abc\u202edef", {"name": True}, "bidi"),
        ("Grüße 😀 שלום", {"name": True}, None),
    ],
)
def test_characters_by_the_policy(text, kwargs, problem) -> None:
    assert char_problem(text, **kwargs) == problem


@pytest.mark.parametrize("name", ["adm\u202ein", "anna\u200d", "an na", "a" * 81, "", "anna\x00"])
def test_user_names_refuse_direction_marks_invisible_and_control_characters(name) -> None:
    assert username_problem(name) is not None


def test_numbers_and_dates_within_range() -> None:
    assert parse_int("²", 0) is None and parse_int("1e30", 0) is None and parse_int(TOO_BIG, 0) is None
    assert parse_int(str(2**63 - 1), 0) == 2**63 - 1 and parse_int(None, 7) == 7
    assert parse_date("0001-01-01") is None and parse_date("9999-12-31") is None
    assert parse_date("2026-12-03") == date(2026, 12, 3)


async def test_a_lone_surrogate_anywhere_is_a_400(app, desk) -> None:
    raw = b'{"username": "\\ud800", "password": "x"}'
    _, resp = await app.asgi_client.post("/api/auth/login", content=raw, headers=JSON)
    assert_policy_400(resp, "username")
    _, session = await app.asgi_client.post("/api/chat/session", json={})
    auth = {"authorization": f"Bearer {session.json['session']}", **JSON}
    _, resp = await app.asgi_client.post("/api/chat/messages", content=b'{"text": "Hallo \\udfff"}', headers=auth)
    assert_policy_400(resp, "text")
    accounts.create_user(desk.engine, username="erika", password="editor-password-1", roles=("editor",))
    ed = await login(app, "erika", "editor-password-1")
    _, resp = await app.asgi_client.post("/api/articles", content=b'{"title": "\\ud83d"}', headers={**ed, **JSON})
    assert_policy_400(resp, "title")


async def test_integers_beyond_64_bit_are_a_400(app, desk) -> None:
    agent(desk, roles=("agent", "editor"))
    anna = await login(app, "anna", "agent-password-1")
    for path in (f"/api/escalations/{TOO_BIG}", f"/api/articles/vpn-fehler/versions/{TOO_BIG}"):
        _, resp = await app.asgi_client.get(path, headers=anna)
        assert_policy_400(resp)
    body = {"version": 2**70, "current_version": 1}
    _, resp = await app.asgi_client.post("/api/articles/vpn-fehler/restore", json=body, headers=anna)
    assert_policy_400(resp)
    _, resp = await app.asgi_client.post("/api/knowledge/gaps/dismiss", json={"gap_ids": [2**70]}, headers=anna)
    assert_policy_400(resp)
    auth, _ = await employee_says(app, "Hallo")
    _, resp = await app.asgi_client.get(f"/api/chat/events?after={TOO_BIG}", headers=auth)
    assert_policy_400(resp, "after")
    esc = queue(desk, "c-overflow")
    _, resp = await app.asgi_client.get(f"/api/escalations/{esc.id}/messages?after={TOO_BIG}", headers=anna)
    assert_policy_400(resp, "after")


@pytest.mark.parametrize("query", ["to=9999-12-31", "from=0001-01-01&to=0001-01-02"])
async def test_dates_outside_the_sane_range_are_a_400(app, desk, query) -> None:
    agent(desk, "lena", roles=("lead",))
    lena = await login(app, "lena", "agent-password-1")
    for path in ("/api/insights/csat", "/api/insights/csat.csv"):
        _, resp = await app.asgi_client.get(f"{path}?{query}", headers=lena)
        assert_policy_400(resp)


async def test_password_limit_is_the_same_at_creation_and_login(app, desk) -> None:
    admin = await login(app, "admin", "admin-unit-password")
    long_pw = "p" * 201
    _, resp = await app.asgi_client.post(
        "/api/users", json={"username": "lang", "password": long_pw, "roles": ["agent"]}, headers=admin
    )
    assert resp.status == 400 and resp.json["field"] == "password"
    longest = "p" * 200
    _, resp = await app.asgi_client.post(
        "/api/users", json={"username": "lang", "password": longest, "roles": ["agent"]}, headers=admin
    )
    assert resp.status == 201
    _, resp = await app.asgi_client.post("/api/auth/login", json={"username": "lang", "password": longest})
    assert resp.status == 200  # nothing is cut: the whole password is checked
    _, resp = await app.asgi_client.post("/api/auth/login", json={"username": "lang", "password": longest + "x"})
    assert_policy_400(resp, "password")


@pytest.mark.parametrize(
    "account, field",
    [
        ({"username": "adm\u202enima", "display_name": "x"}, "username"),
        ({"username": "neu", "display_name": "N" * 121}, "display_name"),
        ({"username": "neu", "display_name": "Team\u202e1"}, "display_name"),
    ],
)
async def test_account_names_are_checked(app, account, field) -> None:
    admin = await login(app, "admin", "admin-unit-password")
    body = {**account, "password": "a-good-password-1", "roles": ["agent"]}
    _, resp = await app.asgi_client.post("/api/users", json=body, headers=admin)
    assert resp.status == 400 and resp.json["field"] == field


async def test_an_over_long_article_title_is_refused_before_it_is_embedded(app, desk, monkeypatch) -> None:
    accounts.create_user(desk.engine, username="erika", password="editor-password-1", roles=("editor",))
    ed = await login(app, "erika", "editor-password-1")
    embedded: list[str] = []
    monkeypatch.setattr("web.editor.routes.prepare_vectors", lambda kb, d, article: embedded.append(article.slug))
    article = {
        "slug": "riesig",
        "title": "T" * 2_000_000,
        "language": "de",
        "tags": "x",
        "owner": "o",
        "reviewed": "2026-11-27",
        "audience": "a",
        "body": "Text",
    }
    _, resp = await app.asgi_client.post("/api/articles", json=article, headers=ed)
    assert resp.status == 400 and "title" in resp.json["fields"] and embedded == []


async def test_logout_needs_the_csrf_token_of_a_live_session(app) -> None:
    admin = await login(app, "admin", "admin-unit-password")
    _, resp = await app.asgi_client.post("/api/auth/logout", headers={"cookie": admin["cookie"]})
    assert resp.status == 403
    _, resp = await app.asgi_client.get("/api/auth/me", headers={"cookie": admin["cookie"]})
    assert resp.status == 200  # still logged in: another site cannot log staff out
    _, resp = await app.asgi_client.post("/api/auth/logout", headers=admin)
    assert resp.status == 200
    _, resp = await app.asgi_client.get("/api/auth/me", headers={"cookie": admin["cookie"]})
    assert resp.status == 401
    _, resp = await app.asgi_client.post("/api/auth/logout")
    assert resp.status == 200  # no session: nothing to protect, still idempotent


@pytest.mark.parametrize(
    "frame",
    [
        '{"session": "x", "after": "²"}',
        '{"session": "x", "after": 1e30}',
        '{"session": "x", "after": ' + TOO_BIG + "}",
        '{"session": "x", "after": -1}',
        '{"session": ["x"], "after": 0}',
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 50 + "1" + "}" * 50,
        "kein json",
        "[1, 2]",
    ],
)
def test_websocket_first_frames_the_policy_refuses(frame) -> None:
    with pytest.raises(PolicyError):
        hello(frame)


def test_websocket_first_frame_accepted() -> None:
    assert hello(json.dumps({"session": "tok", "after": 41})) == ("tok", 41)
    assert hello(None) == ("", 0)  # no frame within the timeout: no session (closed with 4401)


@pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example", " //evil.example"])
def test_markdown_links_cannot_leave_the_site_through_scheme_relative_urls(target) -> None:
    html = render_markdown(f"[Klick]({target})")
    assert 'href="#"' in html and "evil" not in html.split("href=")[1].split(">")[0]


@pytest.mark.parametrize("url", ["/\t/evil.example", "/\n/evil.example", "\x01//evil.example", "/&#92;evil.example"])
def test_link_targets_are_judged_as_a_browser_reads_them(url) -> None:
    assert not safe_url(url)


def test_markdown_keeps_local_absolute_and_anchor_links() -> None:
    html = render_markdown("[a](/kb/vpn-fehler) [b](https://portal.stadt.example) [c](#oben)")
    assert 'href="/kb/vpn-fehler"' in html and 'href="https://portal.stadt.example"' in html
    assert 'href="#oben"' in html


@pytest.mark.parametrize("path", ["/chat", "/kb/vpn-fehler", "/kb/gibt-es-nicht", "/gibt/es/nicht", "/console/"])
async def test_pages_and_error_pages_carry_the_security_headers(app, path) -> None:
    _, resp = await app.asgi_client.get(path)
    assert "frame-ancestors 'self'" in resp.headers["content-security-policy"]
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["referrer-policy"] == "same-origin"


async def test_the_session_cookie_is_secure_when_the_public_url_is_https(desk_settings, tmp_path) -> None:

    secure = desk_settings.override(SERVICEDESK_PUBLIC_URL="https://servicedesk.stadt.example")
    app = web_app(secure, desk=LazyDesk.of(secure))
    _, resp = await app.asgi_client.post(
        "/api/auth/login", json={"username": "admin", "password": "admin-unit-password"}
    )
    assert resp.status == 200 and "Secure" in resp.headers["set-cookie"]
    plain = await login_cookie_flags(desk_settings)
    assert "Secure" not in plain


async def login_cookie_flags(settings) -> str:

    app = web_app(settings, desk=LazyDesk.of(settings))
    _, resp = await app.asgi_client.post(
        "/api/auth/login", json={"username": "admin", "password": "admin-unit-password"}
    )
    assert resp.status == 200
    return resp.headers["set-cookie"]
