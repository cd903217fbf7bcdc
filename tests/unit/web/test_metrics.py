"""GET /metrics: who may read it (loopback through trusted proxies only, or the token), what it says; request ids."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from sanic_testing.testing import SanicASGITestClient

from desk import job_runs
from desk.db import bump, now
from desk.retention import LEASE
from desk.surges import LEASE as SURGES
from knowledge.source import StaticKnowledgeSource
from settings import Servers
from tests.conftest import desk_web_app
from tests.unit.actions.helpers import hold
from web.auth.client import loopback_client

TOKEN = "metrics-token-of-at-least-24-chars"
ARTICLE = {"type": "article", "slug": "vpn-fehler", "title": "VPN", "url": "http://127.0.0.1:8000/kb/vpn-fehler"}


class Rasa:
    """Rasa's REST webhook: answers with an article card and keeps what it was sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[dict, httpx.Headers]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/webhooks/rest/webhook":
            body = json.loads(request.content)
            self.sent.append((body, request.headers))
            return httpx.Response(200, json=[{"text": "So geht es:"}, {"custom": ARTICLE}])
        return httpx.Response(404)


@pytest.fixture
def rasa() -> Rasa:
    return Rasa()


def make_app(desk, desk_settings, hashing_kb, rasa, **variables: str):  # noqa: ANN001, ANN201
    settings = desk_settings.override(**variables) if variables else desk_settings
    return desk_web_app(desk, settings, StaticKnowledgeSource(hashing_kb), rasa, sweep_interval_s=3600)


def client_from(app, peer: str) -> SanicASGITestClient:  # noqa: ANN001
    """Sanic's ASGI test client with the socket peer ``peer`` (its own is the name "mockserver")."""
    client = SanicASGITestClient(app)
    client._transport = httpx.ASGITransport(app=app, client=(peer, 40000))  # noqa: SLF001
    return client


async def scrape(app, peer: str, headers: dict[str, str] | None = None):  # noqa: ANN001, ANN201
    _, resp = await client_from(app, peer).get("/metrics", headers=headers or {})
    return resp


class Headers(dict):
    def getall(self, name: str, default: list[str]) -> list[str]:
        return [self[name]] if name in self else default


class FakeRequest:
    """What loopback_client reads of a Sanic request: the socket peer and the headers."""

    def __init__(self, peer: str, forwarded: str | None) -> None:
        self.ip = peer
        self.headers = Headers({"x-forwarded-for": forwarded} if forwarded else {})


@pytest.mark.parametrize(
    "peer, forwarded, trusted, local",
    [
        ("127.0.0.1", None, "", True),
        ("::1", None, "", True),
        ("127.0.0.1", "203.0.113.9", "", True),  # no proxy configured: the header is not read, the peer is local
        ("198.51.100.7", None, "", False),
        ("198.51.100.7", "127.0.0.1", "", False),  # forged, and no proxy is trusted
        ("198.51.100.7", "127.0.0.1", "10.0.0.0/8", False),  # forged by a peer that is not a trusted proxy
        ("10.0.0.2", "127.0.0.1, 203.0.113.9", "10.0.0.0/8", False),  # forged hop before the proxy's own
        ("10.0.0.2", "203.0.113.9", "10.0.0.0/8", False),
        ("10.0.0.2", "127.0.0.1", "10.0.0.0/8", True),  # the proxy forwarded a client on its own machine
        ("10.0.0.2", None, "10.0.0.0/8", False),  # the proxy itself is not this machine
        ("127.0.0.1", "203.0.113.9", "127.0.0.1", False),  # a local nginx forwarded an outside client
        ("127.0.0.1", "10.1.2.3", "127.0.0.1, 10.0.0.0/8", False),  # a trusted network is not loopback
        ("127.0.0.1", "127.0.0.1, 10.1.2.3", "127.0.0.1, 10.0.0.0/8", False),
        ("127.0.0.1", None, "127.0.0.1", True),  # straight to the port, past the local nginx
        ("127.0.0.1", "not-an-address", "127.0.0.1", False),
    ],
)
def test_loopback_clients_are_told_by_forwarded_for_only_from_trusted_proxies(peer, forwarded, trusted, local) -> None:
    networks = Servers(trusted_proxies=trusted).trusted_proxies
    assert loopback_client(FakeRequest(peer, forwarded), networks) is local  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "peer, forwarded, trusted, status",
    [
        ("127.0.0.1", None, "", 200),
        ("198.51.100.7", "127.0.0.1", "", 403),  # a forged header from an untrusted peer
        ("198.51.100.7", "127.0.0.1", "10.0.0.0/8", 403),
        ("127.0.0.1", "127.0.0.1, 203.0.113.9", "127.0.0.1", 403),  # through the local proxy from outside
    ],
)
async def test_metrics_answer_loopback_clients_only(
    desk, desk_settings, hashing_kb, rasa, peer, forwarded, trusted, status
) -> None:
    app = make_app(desk, desk_settings, hashing_kb, rasa, SERVICEDESK_TRUSTED_PROXIES=trusted)
    resp = await scrape(app, peer, {"X-Forwarded-For": forwarded} if forwarded else {})
    assert resp.status == status
    if status == 403:
        assert resp.json["code"] == "metrics.forbidden" and resp.json["error"] and resp.json["error_en"]
    else:
        assert resp.headers["content-type"].startswith("text/plain; version=0.0.4")


async def test_elsewhere_the_token_is_needed(desk, desk_settings, hashing_kb, rasa) -> None:
    app = make_app(desk, desk_settings, hashing_kb, rasa, SERVICEDESK_METRICS_TOKEN=TOKEN)
    for given, status in (
        (f"Bearer {TOKEN}", 200),
        (f"bearer {TOKEN}", 200),
        (f"Bearer {TOKEN[:-1]}x", 403),
        (f"Basic {TOKEN}", 403),
        ("Bearer ", 403),
    ):
        assert (await scrape(app, "198.51.100.7", {"Authorization": given})).status == status, given
    app = make_app(desk, desk_settings, hashing_kb, rasa)  # no token configured: no empty token either
    assert (await scrape(app, "198.51.100.7", {"Authorization": "Bearer "})).status == 403


def samples(text: str) -> dict[str, float]:
    """``name{labels}`` -> value of every sample line."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            out[key] = float(value)
    return out


async def test_the_figures_count_routes_turns_escalations_knowledge_and_purge_runs(
    desk, desk_settings, hashing_kb, rasa
) -> None:
    app = make_app(desk, desk_settings, hashing_kb, rasa)
    client = client_from(app, "127.0.0.1")
    _, resp = await client.post("/api/chat/session", json={})
    auth = {"Authorization": f"Bearer {resp.json['session']}"}
    _, resp = await client.post("/api/chat/messages", json={"text": "VPN geht nicht"}, headers=auth)
    assert resp.status == 200
    _, resp = await client.post("/api/chat/messages", json={"text": ""}, headers=auth)
    assert resp.status == 400
    await client.get("/api/escalations/123/gibt-es-nicht")
    hold(desk, "conv-m")  # one waiting escalation
    with desk.engine.begin() as conn:
        revision = bump(conn, "knowledge")
    job_runs.record(desk.engine, LEASE, ok=True, at=now())
    job_runs.record(desk.engine, LEASE, ok=False)
    job_runs.record(desk.engine, SURGES, ok=True)

    _, resp = await client.get("/metrics")
    got = samples(resp.text)
    assert got['servicedesk_http_requests_total{route="chat.post_message",method="POST",status="2xx"}'] == 1
    assert got['servicedesk_http_requests_total{route="chat.post_message",method="POST",status="4xx"}'] == 1
    assert got['servicedesk_http_requests_total{route="unmatched",method="GET",status="4xx"}'] == 1
    assert not [k for k in got if "123" in k or "/api/" in k]  # route names, never paths
    bucket = 'servicedesk_http_request_duration_seconds_bucket{route="chat.post_message",method="POST",status="2xx"'
    assert got[bucket + ',le="+Inf"}'] == 1 and got[bucket + ',le="30"}'] == 1
    assert got['servicedesk_chat_turns_total{outcome="answered"}'] == 1
    assert got['servicedesk_chat_turns_total{outcome="refused"}'] == 1
    assert got['servicedesk_chat_turns_total{outcome="escalation_offered"}'] == 0
    assert got['servicedesk_escalations{state="waiting"}'] == 1 and got['servicedesk_escalations{state="claimed"}'] == 0
    assert got["servicedesk_knowledge_revision"] == revision
    assert got['servicedesk_purge_runs_total{result="success"}'] == 1
    assert got['servicedesk_purge_runs_total{result="failure"}'] == 1
    assert got["servicedesk_purge_last_success_timestamp_seconds"] > 1.7e9
    assert got['servicedesk_surge_runs_total{result="success"}'] == 1
    assert got["servicedesk_surge_last_failure_timestamp_seconds"] == 0
    assert got["servicedesk_surges_open"] == 0
    assert "# TYPE servicedesk_http_request_duration_seconds histogram" in resp.text


async def test_the_request_id_is_taken_or_made_answered_and_sent_to_rasa(desk, desk_settings, hashing_kb, rasa) -> None:
    app = make_app(desk, desk_settings, hashing_kb, rasa)
    _, resp = await app.asgi_client.post("/api/chat/session", json={}, headers={"X-Request-ID": "abc-123_XYZ.42"})
    assert resp.headers["x-request-id"] == "abc-123_XYZ.42"
    auth = {"Authorization": f"Bearer {resp.json['session']}"}
    for bad in ("short", "x" * 65, "evil id with spaces", "<script>alert(1)</script>", "-leading-dash"):
        _, resp = await app.asgi_client.get("/api/chat/history", headers={**auth, "X-Request-ID": bad})
        made = resp.headers["x-request-id"]
        assert made != bad and len(made) == 32 and int(made, 16) >= 0
    _, resp = await app.asgi_client.post(
        "/api/chat/messages", json={"text": "VPN geht nicht"}, headers={**auth, "X-Request-ID": "turn-0001-abcdef"}
    )
    assert resp.status == 200
    body, headers = rasa.sent[-1]
    assert body["metadata"]["request_id"] == "turn-0001-abcdef" and headers["x-request-id"] == "turn-0001-abcdef"
    # The client address only as the keyed hash the unlock's per-client limit counts (issue 19).
    assert set(body["metadata"]) == {"request_id", "client"} and re.fullmatch(
        r"[0-9a-f]{64}", body["metadata"]["client"]
    )
    _, resp = await app.asgi_client.post(  # refused by the input policy before any handler: still answered with it
        "/api/chat/messages", content=b"\xff", headers={**auth, "X-Request-ID": "policy-0001-abcdef"}
    )
    assert 400 <= resp.status < 500 and resp.headers["x-request-id"] == "policy-0001-abcdef"
    _, resp = await app.asgi_client.get("/openapi.yaml")
    assert "/metrics:" in resp.text  # documented
