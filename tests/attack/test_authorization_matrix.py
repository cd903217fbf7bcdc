"""The authorization matrix, generated from /openapi.yaml, and the security headers on every answer (issue 16).

Every documented operation is called as nobody, agent, editor, lead and admin. What the document says decides
the expected outcome: ``security: []`` is open to all; ``chatSession`` needs the Bearer token whoever calls;
``staffSession`` is 401 without a login, 403 without the role in ``x-roles`` (admin has every role), and a
state change without the session's X-CSRF-Token is 403 too. Methods a path does not document are 405. Every
answer, pages and errors alike, must carry CSP with frame-ancestors, nosniff and Referrer-Policy.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml

from tests.attack import stats
from tests.attack.conftest import IDENTITIES, Target

OPENAPI = Path(__file__).resolve().parents[2] / "web" / "static" / "openapi.yaml"
SPEC = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
METHODS = ("get", "post", "put", "delete", "patch")
PARAMS = {"slug": "gibt-es-nicht", "id": "999999", "version": "1", "name": "widget.css", "attachment_id": "999999"}
ROLES = {"agent": {"agent"}, "editor": {"editor"}, "lead": {"lead"}, "admin": {"agent", "editor", "lead", "admin"}}
REQUIRED_HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy")


def operations() -> list[tuple[str, str, dict]]:
    found = [
        (path, method, op)
        for path, item in SPEC["paths"].items()
        for method, op in item.items()
        if method in METHODS and path != "/api/chat/ws"  # the WebSocket is checked in test_bad_inputs.py
    ]
    return sorted(found, key=lambda f: f[0] == "/api/auth/logout")  # logging out last keeps the sessions


def expected(op: dict, identity: str, bearer: bool, csrf: bool) -> str:
    """``open`` (not 401/403), ``401`` or ``403``: what the document promises this caller."""
    names = {name for requirement in op.get("security", []) for name in requirement}
    if "chatSession" in names:
        return "open" if bearer else "401"
    if "staffSession" not in names:
        return "open"
    if identity == "anonymous":
        return "401"
    roles = op.get("x-roles") or []
    if roles and not ROLES[identity] & set(roles):
        return "403"
    if "csrfToken" in names and not csrf:
        return "403"
    return "open"


def secure_headers(failures: list[str], what: str, resp: httpx.Response) -> None:
    missing = [h for h in REQUIRED_HEADERS if h not in resp.headers]
    if missing or "frame-ancestors" not in resp.headers.get("content-security-policy", ""):
        failures.append(f"{what}: missing {missing or 'frame-ancestors'}")
    elif resp.headers["x-content-type-options"] != "nosniff":
        failures.append(f"{what}: x-content-type-options {resp.headers['x-content-type-options']}")


@pytest.fixture
def callers(target: Target) -> dict[str, httpx.Client]:
    """A logged-in client per identity (each test its own: the matrix ends with logging out)."""
    clients = {identity: target.login(identity) for identity in IDENTITIES}
    yield clients
    for client in clients.values():
        client.close()


def call(client: httpx.Client, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    url = path.format(**PARAMS)
    body = {"json": {}} if method in ("post", "put", "delete", "patch") else {}
    return client.request(method.upper(), url, headers=headers, **body)  # type: ignore[arg-type]


def test_every_operation_answers_every_identity_as_documented(target: Target, callers) -> None:  # noqa: ANN001
    failures: list[str] = []
    chat = {"Authorization": f"Bearer {target.chat_token()}"}
    with stats.timed("authorization matrix"):
        for path, method, op in operations():
            documented = {int(code) for code in op["responses"]}
            for identity, client in callers.items():
                for bearer in (False, True):
                    names = {n for r in op.get("security", []) for n in r}
                    if bearer and "chatSession" not in names:
                        continue
                    want = expected(op, identity, bearer, csrf=True)
                    resp = call(client, method, path, chat if bearer else {})
                    what = f"{method.upper()} {path} as {identity}{' +bearer' if bearer else ''}"
                    stats.record("authorization matrix", f"expected {want}", resp.status_code)
                    ok = resp.status_code not in (401, 403) if want == "open" else resp.status_code == int(want)
                    if not ok or resp.status_code not in documented or resp.status_code >= 500:
                        failures.append(f"{what}: {resp.status_code}, expected {want}, documented {sorted(documented)}")
                    secure_headers(failures, what, resp)
    assert target.healthy()
    assert not failures, "\n".join(failures[:40])


def test_state_changes_without_the_csrf_token_are_refused(target: Target, callers) -> None:  # noqa: ANN001
    failures: list[str] = []
    with stats.timed("authorization matrix"):
        for path, method, op in operations():
            names = {n for r in op.get("security", []) for n in r}
            if "csrfToken" not in names:
                continue
            for identity in ("agent", "editor", "lead", "admin"):
                if expected(op, identity, bearer=False, csrf=True) != "open":
                    continue  # refused for its role already
                client = callers[identity]
                token = client.headers.pop("X-CSRF-Token")
                try:
                    for variant in ({}, {"X-CSRF-Token": ""}, {"X-CSRF-Token": token[:-1] + "x"}):
                        resp = call(client, method, path, variant)
                        stats.record("authorization matrix", "missing or wrong CSRF token", resp.status_code)
                        if resp.status_code != 403:
                            failures.append(f"{method.upper()} {path} as {identity} {variant}: {resp.status_code}")
                finally:
                    client.headers["X-CSRF-Token"] = token
    assert not failures, "\n".join(failures[:40])


def test_undocumented_methods_are_405_for_everyone(target: Target, callers) -> None:  # noqa: ANN001
    failures: list[str] = []
    with stats.timed("authorization matrix"):
        for path, item in SPEC["paths"].items():
            if path == "/api/chat/ws":
                continue
            for method in METHODS:
                if method in item:
                    continue
                for identity, client in callers.items():
                    resp = call(client, method, path, {})
                    stats.record("authorization matrix", "undocumented method", resp.status_code)
                    if resp.status_code != 405:
                        failures.append(f"{method.upper()} {path} as {identity}: {resp.status_code}")
                    secure_headers(failures, f"{method.upper()} {path}", resp)
    assert not failures, "\n".join(failures[:40])


PAGES = ["/chat", "/console/", "/editor/", "/insights/", "/kb/vpn-fehler", "/kb/gibt-es-nicht", "/gibt/es/nicht"]
PAGES += ["/datenschutz", "/barrierefreiheit"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_and_error_page_carries_the_security_headers(target: Target, path: str) -> None:
    resp = httpx.get(f"{target.base_url}{path}", headers={"accept": "text/html"})
    assert resp.headers["content-type"].startswith("text/html")
    failures: list[str] = []
    secure_headers(failures, path, resp)
    stats.record("security headers", "HTML pages and error pages", resp.status_code)
    assert not failures and resp.headers["referrer-policy"] == "same-origin"
