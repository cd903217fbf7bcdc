"""The Zammad TicketSink against a stand-in on loopback that holds requests to Zammad's documented API."""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import Engine, select

from desk.db import tickets
from desk.tickets.base import TicketAttachment, TicketError, TicketRef
from desk.tickets.zammad import ZammadTicketSink
from scripts.stack import free_port
from tests.unit.desk.ticket_contract import (
    CUSTOMER_EMAIL,
    GROUP,
    TOKEN,
    Received,
    TicketSinkContract,
    full_text,
    make_draft,
    register_count,
)


def valid_base64(value: object) -> bool:
    try:
        return isinstance(value, str) and base64.b64decode(value, validate=True) != b""
    except ValueError:
        return False


# --- Zammad: a stand-in on loopback that holds requests to Zammad's documented API -------------------------


# The ticket attributes Zammad's API documents for a create; others must be custom object attributes.
DOCUMENTED = {
    "title", "group", "group_id", "customer", "customer_id", "article", "tags", "state", "state_id",
    "priority", "priority_id", "owner_id", "organization_id", "note",
}  # fmt: skip


class FakeZammad:
    """``POST /api/v1/tickets`` and ``GET /api/v1/tickets/<id>?expand=true`` as Zammad documents them.

    A request that deviates (path, auth header, JSON fields) is answered 422 and noted in ``problems``. Groups
    must exist (``groups``); custom fields must be object attributes defined in its object manager
    (``attributes``); ``tags`` is one comma-separated string.
    """

    def __init__(self) -> None:
        self.groups = {GROUP}
        self.attributes: set[str] = set()
        self.expect_customer: tuple[str, str] = ("customer_id", f"guess:{CUSTOMER_EMAIL}")
        self.tickets: dict[int, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, Any]] = []
        self.problems: list[str] = []
        self.fail_status: int | None = None
        self.raw_answer: bytes | None = None
        self.delay = 0.0
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake.handle(self, "POST")

            def do_GET(self) -> None:
                fake.handle(self, "GET")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def handle(self, req: BaseHTTPRequestHandler, method: str) -> None:
        time.sleep(self.delay)
        raw = req.rfile.read(int(req.headers.get("Content-Length") or 0))
        url = urlsplit(req.path)
        payload = (
            json.loads(raw) if raw and req.headers.get("Content-Type", "").startswith("application/json") else None
        )
        self.requests.append((method, req.path, payload))
        if req.headers.get("Authorization") != f"Token token={TOKEN}":
            return self.reply(req, 401, {"error": "Authentication required"})
        if self.fail_status is not None:
            # A careless server that echoes the credentials it got: the sink must not pass them on.
            return self.reply(req, self.fail_status, {"error": f"failed for {req.headers['Authorization']}"})
        if self.raw_answer is not None:
            return self.send(req, 201, self.raw_answer)
        if method == "POST" and url.path == "/api/v1/tickets":
            return self.create(req, raw, payload)
        found = re.fullmatch(r"/api/v1/tickets/(\d+)", url.path)
        if method == "GET" and found:
            if parse_qs(url.query).get("expand") != ["true"]:
                return self.problem(req, "GET without expand=true has no state name")
            ticket = self.tickets.get(int(found[1]))
            if ticket is None:
                return self.reply(req, 404, {"error": "Couldn't find Ticket"})
            shown = {k: ticket[k] for k in ("id", "number", "title", "state", "group")}
            return self.reply(req, 200, shown | {"state_id": 1, "updated_at": "2024-05-02T08:15:00.123Z"})
        return self.reply(req, 404, {"error": "No route matches"})

    def create(self, req: BaseHTTPRequestHandler, raw: bytes, payload: Any) -> None:
        if payload is None or not isinstance(payload, dict):
            return self.problem(req, "body is not a JSON object with Content-Type application/json")
        article = payload.get("article")
        key, value = self.expect_customer
        other = "customer" if key == "customer_id" else "customer_id"
        checks = {
            "title": isinstance(payload.get("title"), str) and payload["title"] != "",
            "group": payload.get("group") in self.groups,
            "tags": "tags" not in payload
            or (isinstance(payload["tags"], str) and all(t.strip() for t in payload["tags"].split(","))),
            "attributes": set(payload) <= DOCUMENTED | self.attributes,
            key: payload.get(key) == value and other not in payload,
            "article": isinstance(article, dict),
            "article.subject": isinstance(article, dict) and isinstance(article.get("subject"), str),
            "article.body": isinstance(article, dict)
            and isinstance(article.get("body"), str)
            and article["body"] != "",
            "article.type": isinstance(article, dict) and article.get("type") == "note",
            "article.internal": isinstance(article, dict) and article.get("internal") is False,
            "article.content_type": isinstance(article, dict) and article.get("content_type") == "text/plain",
            # Documented: [{"filename": ..., "data": <base64>, "mime-type": ...}]
            "article.attachments": not isinstance(article, dict)
            or all(
                isinstance(a, dict) and {"filename", "data", "mime-type"} == set(a) and valid_base64(a["data"])
                for a in article.get("attachments", [])
            ),
        }
        wrong = [name for name, ok in checks.items() if not ok]
        if wrong:
            return self.problem(req, f"invalid fields: {wrong}")
        with self._lock:
            tid = 41 + len(self.tickets)
            ticket = {"id": tid, "number": str(31000 + tid), "title": payload["title"], "state": "new"}
            custom = {k: v for k, v in payload.items() if k in self.attributes}
            tags = [t.strip() for t in payload.get("tags", "").split(",") if t.strip()]
            self.tickets[tid] = ticket | {"group": payload["group"], "article": article, "tags": tags} | custom
        self.reply(req, 201, ticket | {"group_id": 1, "state_id": 1, "customer_id": 7})

    def problem(self, req: BaseHTTPRequestHandler, text: str) -> None:
        self.problems.append(text)
        self.reply(req, 422, {"error": text})

    def reply(self, req: BaseHTTPRequestHandler, status: int, body: Any) -> None:
        self.send(req, status, json.dumps(body).encode())

    @staticmethod
    def send(req: BaseHTTPRequestHandler, status: int, data: bytes) -> None:
        req.send_response(status)
        req.send_header("Content-Type", "application/json; charset=utf-8")
        req.send_header("Content-Length", str(len(data)))
        req.end_headers()
        req.wfile.write(data)


class TestZammadTicketSink(TicketSinkContract):
    sink_name = "zammad"
    initial_state = "open"

    @pytest.fixture
    def zammad(self) -> Iterator[FakeZammad]:
        fake = FakeZammad()
        fake.thread.start()
        yield fake
        fake.server.shutdown()
        fake.server.server_close()
        assert fake.problems == [], "requests deviated from Zammad's API"

    @pytest.fixture
    def sink(self, engine: Engine, zammad: FakeZammad) -> Iterator[ZammadTicketSink]:
        sink = ZammadTicketSink(
            engine, base_url=zammad.url + "/", token=TOKEN, group=GROUP, customer=CUSTOMER_EMAIL, timeout=2.0
        )
        yield sink
        sink.close()

    @pytest.fixture
    def received(self, zammad: FakeZammad) -> Received:
        def read(ref: TicketRef) -> tuple[str, str]:
            ticket = zammad.tickets[int(ref.external_id)]
            return ticket["title"], ticket["article"]["body"]

        return read

    def test_create_posts_documented_request_and_registers_reference(
        self, sink: ZammadTicketSink, zammad: FakeZammad, engine: Engine
    ) -> None:
        ref = sink.create(make_draft())
        assert ref == TicketRef(number="31041", sink="zammad", external_id="41")
        [(method, path, payload)] = zammad.requests
        assert (method, path) == ("POST", "/api/v1/tickets")
        assert payload["customer_id"] == f"guess:{CUSTOMER_EMAIL}" and "customer" not in payload
        assert payload["article"]["subject"] == "Drucker im 2. OG druckt nicht"
        assert payload["article"]["body"] == make_draft().body()
        with engine.connect() as conn:
            row = conn.execute(select(tickets).where(tickets.c.number == "31041")).one()
        assert (row.sink, row.external_id, row.status, row.customer) == ("zammad", "41", "open", "u-7f3a91")

    def test_screenshots_go_as_article_attachments(self, sink: ZammadTicketSink, zammad: FakeZammad) -> None:
        shot = TicketAttachment("bildschirmfoto-3.png", "image/png", b"\x89PNG pixels")
        ref = sink.create(make_draft(attachments=(shot,)))
        article = zammad.tickets[int(ref.external_id)]["article"]
        [sent] = article["attachments"]
        assert (sent["filename"], sent["mime-type"]) == ("bildschirmfoto-3.png", "image/png")
        assert base64.b64decode(sent["data"]) == b"\x89PNG pixels"
        assert "Bildschirmfotos: bildschirmfoto-3.png" in article["body"]

    def test_login_customer_is_sent_as_customer(self, engine: Engine, zammad: FakeZammad) -> None:
        zammad.expect_customer = ("customer", "servicedesk-bot")
        sink = ZammadTicketSink(engine, base_url=zammad.url, token=TOKEN, group=GROUP, customer="servicedesk-bot")
        assert sink.create(make_draft()).number == "31041"
        sink.close()

    @pytest.mark.parametrize(
        ("zammad_state", "state"),
        [
            ("new", "open"),
            ("open", "open"),
            ("pending reminder", "in_progress"),
            ("pending close", "in_progress"),
            ("closed", "closed"),
            ("merged", "closed"),
            ("waiting for supplier", "waiting for supplier"),
        ],
    )
    def test_states_are_mapped(self, sink: ZammadTicketSink, zammad: FakeZammad, zammad_state: str, state: str) -> None:
        ref = sink.create(make_draft())
        zammad.tickets[int(ref.external_id)]["state"] = zammad_state
        status = sink.status(ref.number)
        assert status is not None and status.state == state
        assert status.updated_at is not None and status.updated_at.isoformat() == "2024-05-02T08:15:00.123000+00:00"
        assert zammad.requests[-1][:2] == ("GET", "/api/v1/tickets/41?expand=true")

    def test_server_error_raises_without_token(
        self, sink: ZammadTicketSink, zammad: FakeZammad, engine: Engine, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        ref = sink.create(make_draft())
        zammad.fail_status = 500
        with pytest.raises(TicketError, match="HTTP 500") as on_create:
            sink.create(make_draft())
        with pytest.raises(TicketError, match="HTTP 500") as on_status:
            sink.status(ref.number)
        for exc in (on_create.value, on_status.value):
            assert "Token token=***" in str(exc)  # the echoed header arrived, scrubbed
            assert TOKEN not in full_text(exc)
        assert TOKEN not in caplog.text
        assert register_count(engine) == 1

    def test_unreachable_server_raises_without_token(self, engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.DEBUG)
        sink = ZammadTicketSink(
            engine, base_url=f"http://127.0.0.1:{free_port()}", token=TOKEN, group=GROUP, customer="", timeout=2.0
        )
        with pytest.raises(TicketError, match="ConnectError") as info:
            sink.create(make_draft())
        assert TOKEN not in full_text(info.value) and TOKEN not in caplog.text
        assert register_count(engine) == 0

    def test_slow_server_times_out(self, engine: Engine, zammad: FakeZammad) -> None:
        zammad.delay = 1.5
        sink = ZammadTicketSink(
            engine, base_url=zammad.url, token=TOKEN, group=GROUP, customer=CUSTOMER_EMAIL, timeout=0.3
        )
        started = time.monotonic()
        with pytest.raises(TicketError, match="Timeout"):
            sink.create(make_draft())
        assert time.monotonic() - started < 1.4
        assert register_count(engine) == 0

    @pytest.mark.parametrize(
        "answer",
        [b"<html>Bad Gateway</html>", b"[]", b'{"id": 5}', b'{"number": "31005"}', b'{"id": null, "number": " "}'],
    )
    def test_malformed_answer_raises(
        self, sink: ZammadTicketSink, zammad: FakeZammad, engine: Engine, answer: bytes
    ) -> None:
        zammad.raw_answer = answer
        with pytest.raises(TicketError):
            sink.create(make_draft())
        assert register_count(engine) == 0

    def test_answer_without_state_raises(self, sink: ZammadTicketSink, zammad: FakeZammad) -> None:
        ref = sink.create(make_draft())
        zammad.tickets[int(ref.external_id)]["state"] = None
        with pytest.raises(TicketError, match="state"):
            sink.status(ref.number)
