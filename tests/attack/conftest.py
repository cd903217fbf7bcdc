"""The attack suite's target: the real web service app, served over loopback on a free port.

The Sanic app from ``web.app.create_app`` runs in a thread of the test process (Sanic's ``create_server``) with
its own SQLite database, the 60 real articles behind a deterministic stand-in embedder, and a stand-in for
Rasa and the action server (``FakeUpstream``): the attacks reach every route of the web service through real
HTTP and WebSocket connections, and nothing they leave behind touches the integration stack.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from desk import accounts
from desk.live_knowledge import LiveKnowledgeSource
from desk.runtime import Desk, LazyDesk
from scripts.stack import free_port
from settings import Settings
from tests.attack import stats
from tests.conftest import fake_upstream, stand_in_kb
from web.app import create_app

PASSWORD = "attack-suite-password-1"
IDENTITIES = ("anonymous", "agent", "editor", "lead", "admin")
ROLES = {"agent": ("agent",), "editor": ("editor",), "lead": ("lead",), "admin": ("admin",)}
BUTTONS = [
    {"title": "Ja", "payload": "/affirm"},
    {"title": "Dringend", "payload": '/choose_urgency{"urgency": "many"}'},
]


class FakeUpstream:
    """Rasa (REST channel, tracker events, trigger_intent, /status) and the action server's /health."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/status":
            return httpx.Response(200, json={"model_id": "attack", "model_file": "servicedesk.tar.gz"})
        if path == "/health":
            return httpx.Response(200, json={"status": "ok"})
        body = json.loads(request.content) if request.content else {}
        if path == "/webhooks/rest/webhook":
            self.sent.append(str(body.get("message")))
            return httpx.Response(200, json=[{"text": "Antwort", "buttons": BUTTONS}])
        if path.endswith("/trigger_intent"):
            return httpx.Response(200, json={"messages": [{"text": "Wie zufrieden waren Sie?"}]})
        if path.endswith("/tracker/events"):
            return httpx.Response(200, json={})
        return httpx.Response(404)


@dataclass
class Target:
    """The served app: its base URL, records and upstream stand-in."""

    base_url: str
    desk: Desk
    upstream: FakeUpstream
    settings: Settings

    def login(self, identity: str) -> httpx.Client:
        """A client for ``identity`` (``anonymous``: no session), sending the CSRF token when logged in."""
        client = httpx.Client(base_url=self.base_url, timeout=30)
        if identity != "anonymous":
            resp = client.post("/api/auth/login", json={"username": f"attack-{identity}", "password": PASSWORD})
            assert resp.status_code == 200, resp.text
            client.headers["X-CSRF-Token"] = resp.json()["csrf_token"]
        return client

    def chat_token(self) -> str:
        """A fresh anonymous chat session."""
        return httpx.post(f"{self.base_url}/api/chat/session", json={}, timeout=30).json()["session"]

    def healthy(self) -> bool:
        """``/health`` answers 200."""
        return httpx.get(f"{self.base_url}/health", timeout=30).status_code == 200


def _serve(app, port: int) -> tuple[asyncio.AbstractEventLoop, threading.Thread, object]:  # noqa: ANN001
    loop = asyncio.new_event_loop()

    async def start():  # noqa: ANN202
        server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
        await server.startup()
        await server.before_start()
        await server.after_start()
        return server

    server = loop.run_until_complete(start())
    thread = threading.Thread(target=loop.run_forever, name="attack-target", daemon=True)
    thread.start()
    return loop, thread, server


def _stop(loop: asyncio.AbstractEventLoop, thread: threading.Thread, server) -> None:  # noqa: ANN001
    async def stop() -> None:
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()

    asyncio.run_coroutine_threadsafe(stop(), loop).result(30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


@pytest.fixture(scope="session")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    tmp: Path = tmp_path_factory.mktemp("attack")
    port = free_port()
    settings = Settings.load(
        env={
            "SERVICEDESK_VAR_DIR": str(tmp),
            "SERVICEDESK_INDEX_DIR": str(tmp / "index"),
            "SERVICEDESK_WEB_PORT": str(port),
            "SERVICEDESK_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "SERVICEDESK_SECRET_KEY": "attack-suite-secret",
            "SERVICEDESK_IDENTITY_SECRET": "attack-suite-intranet-key",
            "SERVICEDESK_ADMIN_USER": "attack-admin",
            "SERVICEDESK_ADMIN_PASSWORD": PASSWORD,
            "SERVICEDESK_SERVICE_HOURS": "always",
            "SERVICEDESK_LONG_POLL_S": "0.3",  # long-polls answer quickly; the suite sends thousands of requests
            # The suite's failed logins come "through a proxy" from documentation addresses (X-Forwarded-For),
            # so the throttle they trip never slows the suite's own logins from 127.0.0.1.
            "SERVICEDESK_TRUSTED_PROXIES": "127.0.0.1",
        },
        dotenv=tmp / "none.env",
    )
    desk = Desk.open(settings.records, settings.tickets, settings.handoff)
    lazy = LazyDesk.ready(desk)
    kb = stand_in_kb()
    knowledge = LiveKnowledgeSource(settings.knowledge, lazy, poll_s=0.1, kb=kb)
    upstream = FakeUpstream()
    app = create_app(
        settings, knowledge, name=f"attack{port}", desk=lazy, sweep_interval_s=3600, upstream=fake_upstream(upstream)
    )
    # Sanic's TouchUp rewrites methods on the Sanic class itself when a server starts outside test mode; the
    # unit tests' apps (test mode) would then rebuild from rewritten methods. This app is served as it is.
    app.config.TOUCHUP = False

    served = _serve(app, port)
    for identity, roles in ROLES.items():
        if identity != "admin":
            accounts.create_user(desk.engine, username=f"attack-{identity}", password=PASSWORD, roles=roles)
    t = Target(f"http://127.0.0.1:{port}", desk, upstream, settings)
    assert t.healthy()  # the knowledge base loaded in before_server_start
    try:
        yield t
    finally:
        _stop(*served)
        knowledge.stop()


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001
    """The attack suite's figures (cases per category, 5xx count, time), quotable from the CI log."""
    lines = stats.summary()
    if lines:
        terminalreporter.section("attack suite")
        for line in lines:
            terminalreporter.write_line(line)
