"""The hand-written corpus (tests/attack/corpus.py) against every JSON endpoint, query parameter, path and the
WebSocket's first frame: every case must be refused with a 4xx (4400 for the WebSocket), and /health must
answer 200 afterwards (issue 16)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from knowledge.text_policy import LIMITS
from tests.attack import corpus, stats
from tests.attack.conftest import Target

ARTICLE = {
    "title": "Angriffsziel",
    "language": "de",
    "tags": "test",
    "owner": "Team Test",
    "reviewed": "2026-11-27",
    "review_by": "",
    "audience": "alle",
    "questions": ["Wie greife ich an?"],
    "notes": "",
    "body": "Ein Artikel für die Angriffstests.",
}
_slugs = count(1)
_clients = count(1)


def in_range_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63


@dataclass
class Endpoint:
    """One JSON endpoint: a valid body, and per field the kind of value it takes."""

    method: str
    path: str
    body: Callable[[], dict[str, Any]]
    fields: dict[str, str]
    who: str = "admin"  # admin (all roles) or chat (a chat session)
    accepts: dict[str, Callable[[Any], bool]] = field(default_factory=dict)  # values that are fine there
    optional: tuple[str, ...] = ()  # null means "not given" for these


LISTS = ("questions", "tags")  # a list of texts (or, for tags, one comma-separated text)
FINE_LISTS: list[Any] = [[], ["a"], [["a"]]]


def endpoints(target: Target, ctx: dict[str, Any]) -> list[Endpoint]:
    def new_article() -> dict[str, Any]:
        return {**ARTICLE, "slug": f"angriff-{next(_slugs)}"}

    slug, version = ctx["slug"], ctx["version"]
    return [
        Endpoint(
            "POST",
            "/api/chat/session",
            dict,
            {"identity": "login", "session": "secret"},
            who="none",
            optional=("identity", "session"),
        ),
        Endpoint("POST", "/api/chat/messages", lambda: {"text": "Hallo"}, {"text": "text"}, who="chat"),
        Endpoint(
            "POST",
            "/api/chat/messages",
            lambda: {"text": "/greet", "label": "Hallo"},
            {"label": "line"},
            who="chat",
            optional=("label",),
        ),
        Endpoint("POST", "/api/chat/end", dict, {}, who="chat"),
        Endpoint("POST", "/api/chat/new", dict, {}, who="chat"),
        Endpoint("POST", "/api/auth/login", lambda: {"username": "admin", "password": "x" * 12}, {"username": "login"}),
        Endpoint("POST", "/api/auth/login", lambda: {"username": "niemand", "password": "x"}, {"password": "secret"}),
        Endpoint("POST", "/api/auth/logout", dict, {}),
        Endpoint(
            "POST",
            "/api/users",
            lambda: {"username": f"neu{next(_slugs)}", "password": "gutes-passwort-1", "roles": ["agent"]},
            {"username": "identifier", "password": "secret", "display_name": "name", "roles": "identifier"},
            optional=("display_name",),
        ),
        Endpoint("POST", "/api/escalations/999999/messages", lambda: {"text": "Hallo"}, {"text": "text"}),
        *(Endpoint("POST", f"/api/escalations/999999/{step}", dict, {}) for step in ("claim", "resolve")),
        *(Endpoint("POST", f"/api/escalations/999999/{step}", dict, {}) for step in ("handback", "ticket")),
        Endpoint(
            "POST",
            "/api/articles",
            new_article,
            {
                "slug": "identifier",
                "title": "name",
                "owner": "name",
                "audience": "name",
                "language": "identifier",
                "tags": "name",
                "reviewed": "date",
                "review_by": "date",
                "questions": "line",
                "notes": "text",
                "body": "text",
            },
            optional=("questions", "notes", "review_by"),
        ),
        Endpoint(
            "PUT",
            f"/api/articles/{slug}",
            lambda: {**ARTICLE, "version": version},
            {"version": "integer", "title": "name", "body": "text", "reviewed": "date"},
        ),
        Endpoint("POST", f"/api/articles/{slug}/publish", lambda: {"version": version}, {"version": "integer"}),
        Endpoint("DELETE", f"/api/articles/{slug}", lambda: {"version": version}, {"version": "integer"}),
        Endpoint(
            "POST",
            f"/api/articles/{slug}/restore",
            lambda: {"version": 1, "current_version": version},
            {"version": "integer", "current_version": "integer"},
        ),
        Endpoint("POST", "/api/articles/preview", lambda: {"body": "Text"}, {"body": "text"}),
        Endpoint(
            "POST",
            "/api/knowledge/test",
            lambda: {"query": "Drucker"},
            {"query": "text", "article": "text"},
            optional=("article",),
        ),
        Endpoint("POST", "/api/admin/subject/export", lambda: {"user_id": "anna.m"}, {"user_id": "name"}),
        Endpoint("POST", "/api/admin/subject/export", lambda: {"conversation_id": "c1"}, {"conversation_id": "name"}),
        Endpoint(
            "POST", "/api/admin/subject/erase", lambda: {"user_id": "anna.m", "confirm": True}, {"user_id": "name"}
        ),
        Endpoint(
            "POST",
            "/api/knowledge/gaps/dismiss",
            lambda: {"gap_ids": [1]},
            {"gap_ids": "integer"},
            accepts={"gap_ids": in_range_int},
        ),
    ]


def wrapped(endpoint: Endpoint, name: str, value: Any) -> Any:
    """Lists take their items: a bad tag, question, role or gap id inside an otherwise fine list."""
    if name in ("questions", "roles", "gap_ids") and not isinstance(value, list | dict) and value is not None:
        return [value]
    return value


def limit_of(endpoint: Endpoint, name: str) -> int:
    """The most characters the field takes (knowledge/text_policy.LIMITS; chat text by the settings)."""
    if name == "text":
        return LIMITS["reply"] if "escalations" in endpoint.path else 1000  # SERVICEDESK_MAX_QUERY_CHARS
    if name == "query":
        return 1000
    return LIMITS.get(f"{name}_item", LIMITS.get(name, 0))


def cases(endpoint: Endpoint) -> list[tuple[str, str, Any]]:
    """(category, field, value) for every value that is wrong for the field."""
    out = []
    for name, kind in endpoint.fields.items():
        values = corpus.bad_values(kind)
        limit = limit_of(endpoint, name)
        if limit and any(c == "over-long" for c, _ in values):
            values.append(("over-long", "x" * (limit + 1)))  # one character too many
        for category, value in values:
            if category == "over-long" and len(value) <= limit:
                continue  # not too long for this field
            if name in endpoint.accepts and endpoint.accepts[name](value):
                continue
            if (value is None and name in endpoint.optional) or (name in LISTS and value in FINE_LISTS):
                continue  # not given, or a fine list
            out.append((category, name, wrapped(endpoint, name, value)))
    return out


@pytest.fixture(scope="module")
def ctx(target: Target) -> dict[str, Any]:
    """The logged-in admin, a chat session and a draft article the PUT/publish/retire cases aim at."""
    admin = target.login("admin")
    resp = admin.post("/api/articles", json={**ARTICLE, "slug": "angriffsziel"})
    assert resp.status_code == 201, resp.text
    chat = target.chat_token()
    yield {"admin": admin, "chat": chat, "slug": "angriffsziel", "version": resp.json()["version"]}
    admin.close()


def send(target: Target, ctx: dict[str, Any], endpoint: Endpoint, content: bytes, content_type: str) -> int:
    n = next(_clients)  # each case from another address (through the trusted proxy): the throttle keys on these
    headers = {"content-type": content_type, "x-forwarded-for": f"198.18.{n // 250 % 250}.{n % 250 + 1}"}
    if endpoint.who == "chat":
        headers["authorization"] = f"Bearer {ctx['chat']}"
        client: httpx.Client = httpx.Client(base_url=target.base_url, timeout=60)
    else:
        client = ctx["admin"]
    try:
        resp = client.request(endpoint.method, endpoint.path, content=content, headers=headers)
    finally:
        if endpoint.who == "chat":
            client.close()
    return resp.status_code


def check(failures: list[str], part: str, category: str, status: int, what: str, allowed=range(400, 500)) -> None:  # noqa: ANN001
    stats.record(part, category, status)
    if status not in allowed:
        failures.append(f"{status} {what}")


def test_every_json_field_refuses_what_is_wrong_for_it(target: Target, ctx: dict[str, Any]) -> None:
    failures: list[str] = []
    with stats.timed("bad inputs"):
        for endpoint in endpoints(target, ctx):
            for category, name, value in cases(endpoint):
                body = {**endpoint.body(), name: value}
                raw = json.dumps(body).encode()  # ensure_ascii: lone surrogates travel as \\ud800 escapes
                status = send(target, ctx, endpoint, raw, "application/json")
                check(
                    failures, "bad inputs", category, status, f"{endpoint.method} {endpoint.path} {name}={value!r:.60}"
                )
    assert target.healthy()
    assert not failures, "\n".join(failures[:30])


def test_every_json_endpoint_refuses_broken_bodies(target: Target, ctx: dict[str, Any]) -> None:
    failures: list[str] = []
    with stats.timed("bad inputs"):
        for endpoint in endpoints(target, ctx):
            for category, raw, content_type in corpus.RAW:
                status = send(target, ctx, endpoint, raw, content_type)
                check(failures, "bad inputs", category, status, f"{endpoint.method} {endpoint.path} {raw[:40]!r}")
    assert target.healthy()
    assert not failures, "\n".join(failures[:30])


QUERY = [
    ("/api/knowledge/search", {"q": "Drucker"}, {"q": "text", "k": "integer"}, "none"),
    ("/api/chat/events", {}, {"after": "integer"}, "chat"),
    ("/api/escalations", {}, {"status": "identifier"}, "admin"),
    ("/api/escalations/changes", {}, {"since": "integer"}, "admin"),
    ("/api/escalations/999999/messages", {}, {"after": "integer"}, "admin"),
    ("/api/insights/csat", {}, {"from": "date", "to": "date"}, "admin"),
    ("/api/insights/csat.csv", {}, {"from": "date", "to": "date"}, "admin"),
    ("/api/articles", {}, {"status": "identifier"}, "admin"),
    ("/api/admin/access", {}, {"from": "date", "to": "date"}, "admin"),
]


def query_values(kind: str) -> list[tuple[str, str]]:
    """Corpus values as they can travel in a URL (text; non-strings as their JSON text)."""
    out = []
    for category, value in corpus.bad_values(kind):
        if category == "wrong JSON types" or category == "over-long" and len(value) > 2000:
            continue  # a query value is always text; a URL that long is refused before the app (413)
        text = value if isinstance(value, str) else json.dumps(value)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            continue  # a lone surrogate cannot be put into a URL at all
        if kind == "integer" and text.isascii() and text.isdigit() and int(text) < 2**63:
            continue  # a fine number for ?after= and ?since=
        out.append((category, text))
    return out


def test_every_query_parameter_refuses_what_is_wrong_for_it(target: Target, ctx: dict[str, Any]) -> None:
    failures: list[str] = []
    with stats.timed("bad inputs"):
        for path, base, params, who in QUERY:
            for name, kind in params.items():
                for category, text in query_values(kind):
                    headers = {"authorization": f"Bearer {ctx['chat']}"} if who == "chat" else {}
                    client = ctx["admin"] if who == "admin" else httpx.Client(base_url=target.base_url, timeout=60)
                    resp = client.get(path, params={**base, name: text}, headers=headers)
                    if who != "admin":
                        client.close()
                    check(failures, "bad inputs", f"query: {category}", resp.status_code, f"{path}?{name}={text!r:.60}")
        for name in ("q", "k"):
            resp = httpx.get(f"{target.base_url}/api/knowledge/search", params={"q": "x", name: "y" * 2001})
            check(failures, "bad inputs", "query: over-long", resp.status_code, f"search {name} 2001")
    assert target.healthy()
    assert not failures, "\n".join(failures[:30])


PATHS = ["/kb/{}", "/static/{}", "/api/articles/{}", "/api/articles/{}/versions", "/api/escalations/{}"]


def test_paths_refuse_traversal_and_injection(target: Target, ctx: dict[str, Any]) -> None:
    failures: list[str] = []
    values = [*corpus.TRAVERSAL, *corpus.SQL, *corpus.XSS, str(2**64), "-1", "0x1"]
    with stats.timed("bad inputs"):
        for template in PATHS:
            for value in values:
                for encoded in {quote(value, safe=""), quote(value, safe="/")}:
                    resp = ctx["admin"].get(template.format(encoded))
                    check(failures, "bad inputs", "path", resp.status_code, f"{template} {encoded}")
                    assert "root:x:0:0" not in resp.text
        for raw in ("/static/../web/app.py", "/static/..%2Fapp.py", "/static/%2e%2e/openapi.yaml", "/kb/..%2F..%2F"):
            resp = httpx.get(f"{target.base_url}{raw}")
            check(failures, "bad inputs", "path", resp.status_code, raw)
            assert "create_app" not in resp.text
    assert target.healthy()
    assert not failures, "\n".join(failures[:30])


def close_code(target: Target, frame: str) -> int:
    url = target.base_url.replace("http://", "ws://") + "/api/chat/ws"
    with connect(url, max_size=2**22, open_timeout=10) as ws:
        ws.send(frame)
        try:
            ws.recv(timeout=10)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else 1006
    return 1000


def test_websocket_first_frames_are_refused_with_4400(target: Target) -> None:
    failures: list[str] = []
    with stats.timed("bad inputs"):
        for frame in corpus.WEBSOCKET_FRAMES:
            code = close_code(target, frame)
            check(failures, "bad inputs", "websocket first frame", 400 if code == 4400 else code, f"ws {frame[:40]!r}")
    good = json.dumps({"session": target.chat_token(), "after": 0})
    url = target.base_url.replace("http://", "ws://") + "/api/chat/ws"
    with connect(url, open_timeout=10) as ws:  # the real first frame still works
        ws.send(good)
        assert json.loads(ws.recv(timeout=10))["type"] in ("messages", "ping")
    assert target.healthy()
    assert not failures, "\n".join(failures)


def test_the_corpus_holds_at_least_300_hand_written_inputs() -> None:
    assert corpus.count() >= 300
