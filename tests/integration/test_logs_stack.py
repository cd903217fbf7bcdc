"""No message text and no personal data in any log of the real stack, at debug level; one request id throughout.

The session stack runs our processes (web service, action server) at DEBUG with JSON logs and Rasa at INFO, as
in production. A conversation with a unique marker, an e-mail address and a phone number goes through the web
chat API (an answer, then the escalation form); then every log file of the run must be free of all three, and
the request id sent with the first message must name that turn's lines in the web service's and the action
server's logs.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import httpx
import pytest

from scripts.stack import Stack
from tests.integration.employee import Employee

pytestmark = pytest.mark.integration


def json_lines(path: Path) -> list[dict]:
    """The log's lines that are JSON objects (a library may print a plain line before logging is set up)."""
    found = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("{"):
            found.append(json.loads(line))
    return found


def test_logs_hold_no_message_text_and_follow_the_request_id(stack: Stack) -> None:
    tag = secrets.token_hex(4)
    marker = f"Protokollprobe{tag}"
    email = f"erika.muster{tag}@stadt.example"
    phone = f"030 90{int(tag, 16) % 100000:05d}"
    request_id = f"logcheck-{tag}-0001"
    employee = Employee(stack.settings)
    try:
        resp = employee.http.post(
            "/api/chat/messages",
            json={"text": f"Mein Drucker druckt nicht mehr {marker}, erreichbar unter {email} oder {phone}"},
            headers={"X-Request-ID": request_id},
        )
        assert resp.status_code == 200, resp.text
        assert resp.headers["x-request-id"] == request_id
        # the escalation form: the description and the contact go through the action server too
        employee.send("Ich möchte bitte mit einem Menschen sprechen")
        employee.send(f"Der Bildschirm flackert {marker}")
        employee.send("/skip", "Überspringen")
        employee.send(f"{email}, Telefon {phone}")
        assert employee.http.post("/api/chat/withdraw", json={}).status_code in (200, 409)
        # a request id that is not plainly an id is replaced, never echoed
        resp = employee.http.get("/api/chat/history", headers={"X-Request-ID": f"<{marker}>"})
        assert resp.status_code == 200 and marker not in resp.headers["x-request-id"]
    finally:
        employee.close()
    assert httpx.get(f"{stack.settings.servers.web_url}/metrics", timeout=10).status_code == 200

    logs = sorted((stack.settings.records.var_dir / "logs").glob("*.log"))
    assert {p.name for p in logs} >= {"web.log", "actions.log", "rasa.log"}
    for path in logs:
        content = path.read_text(encoding="utf-8", errors="replace")
        for needle in (marker, email, email.split("@")[0], phone, phone.replace(" ", "")):
            assert needle not in content, f"{needle!r} in {path.name}"

    web_log = stack.settings.records.var_dir / "logs" / "web.log"
    assert all(line.startswith("{") for line in web_log.read_text(encoding="utf-8").splitlines())  # JSON lines only
    web = json_lines(web_log)
    actions = json_lines(stack.settings.records.var_dir / "logs" / "actions.log")
    assert any(line["level"] == "DEBUG" for line in web), "the web service does not log at debug level"
    assert any(line["level"] == "DEBUG" for line in actions), "the action server does not log at debug level"
    for process, lines in (("web", web), ("actions", actions)):
        turn = [line for line in lines if line["request_id"] == request_id]
        assert turn, f"request id {request_id} not in the {process} log"
        assert all(line["process"] == process and line["time"] and line["logger"] for line in turn)
