"""Issue 16's finding 2: throttling per name and per client address, with backoff, never locking out the owner."""

from __future__ import annotations

from datetime import timedelta

import pytest

from desk import accounts
from desk import login_throttle as throttle
from desk.db import now
from desk.runtime import Desk, LazyDesk
from settings import Servers, Settings, SettingsError
from tests.conftest import web_app

OWNER_PW = "agent-password-1"


def make_app(desk: Desk, desk_settings: Settings, trusted: str = ""):  # noqa: ANN201
    settings = desk_settings.override(SERVICEDESK_TRUSTED_PROXIES=trusted)
    return web_app(settings, desk=LazyDesk.ready(desk))


async def attempt(app, username: str, password: str, client: str | None) -> object:
    headers = {"x-forwarded-for": client} if client else {}
    _, resp = await app.asgi_client.post(
        "/api/auth/login", json={"username": username, "password": password}, headers=headers
    )
    return resp


@pytest.fixture
def many_clients(monkeypatch) -> None:
    """Sanic's test client has one peer address; here each X-Forwarded-For value is a client of its own
    (what :func:`web.auth.client.client_address` makes of it behind a trusted proxy, tested below)."""
    monkeypatch.setattr("web.auth.routes.client_address", lambda request, _trusted: request.headers["x-forwarded-for"])


@pytest.fixture
def owner(desk) -> str:
    accounts.create_user(desk.engine, username="anna", password=OWNER_PW, roles=("agent",))
    return "anna"


async def test_anonymous_failures_never_lock_out_the_owner(desk, desk_settings, owner, many_clients) -> None:
    app = make_app(desk, desk_settings)
    for i in range(throttle.NAME_FREE + 10):  # many attackers, one wrong guess each
        resp = await attempt(app, owner, "falsches-passwort", f"198.51.100.{i + 1}")
        assert resp.status == 401
    resp = await attempt(app, owner, OWNER_PW, "203.0.113.50")  # the owner's own PC, no failures of its own
    assert resp.status == 200


async def test_a_client_that_failed_on_a_name_under_attack_waits(desk, desk_settings, owner, many_clients) -> None:
    app = make_app(desk, desk_settings)
    for _ in range(throttle.NAME_FREE):
        assert (await attempt(app, owner, "falsch-falsch-1", "198.51.100.7")).status == 401
    resp = await attempt(app, owner, "falsch-falsch-2", "198.51.100.8")
    assert resp.status == 401  # a client's first try is never held back on account of the name
    resp = await attempt(app, owner, OWNER_PW, "198.51.100.8")
    assert resp.status == 429 and int(resp.headers["retry-after"]) >= 1 and "Sekunden" in resp.json["error"]


async def test_spraying_across_names_from_one_address_is_slowed_down(desk, desk_settings, owner, many_clients) -> None:
    app = make_app(desk, desk_settings)
    for i in range(throttle.CLIENT_FREE):
        assert (await attempt(app, f"name{i}", "rate-mal-passwort", "198.51.100.9")).status == 401
    resp = await attempt(app, owner, OWNER_PW, "198.51.100.9")
    assert resp.status == 429 and int(resp.headers["retry-after"]) >= 1
    assert (await attempt(app, owner, OWNER_PW, "198.51.100.10")).status == 200  # another client is not affected


async def test_forwarded_for_is_ignored_without_a_trusted_proxy(desk, desk_settings, owner) -> None:
    app = make_app(desk, desk_settings)  # no proxy configured: the header is the client's own claim
    for i in range(throttle.CLIENT_FREE):
        resp = await attempt(app, f"name{i}", "rate-mal-passwort", f"198.51.100.{i + 1}")
        assert resp.status == 401
    resp = await attempt(app, owner, OWNER_PW, "198.51.100.200")
    assert resp.status == 429  # all of it came from one socket address


def test_backoff_doubles_and_is_capped(desk) -> None:
    t0 = now()
    client = throttle.client_hash(desk.secret, "198.51.100.1")
    waits = []
    for i in range(throttle.CLIENT_FREE + 12):
        at = t0 + timedelta(seconds=i)
        throttle.record_failure(desk.engine, username=f"n{i}", client=client, at=at)
        waits.append(throttle.wait_seconds(desk.engine, username="x", client=client, at=at))
    assert waits[: throttle.CLIENT_FREE - 1] == [0] * (throttle.CLIENT_FREE - 1)
    assert waits[throttle.CLIENT_FREE - 1 : throttle.CLIENT_FREE + 2] == [2, 4, 8]
    assert max(waits) == throttle.MAX_WAIT_S
    last = t0 + timedelta(seconds=throttle.CLIENT_FREE + 11)
    assert throttle.wait_seconds(desk.engine, username="x", client=client, at=last + throttle.WINDOW) == 0


def test_addresses_and_names_are_kept_only_as_hashes(desk) -> None:
    from sqlalchemy import select

    from desk.db import login_failures

    throttle.record_failure(desk.engine, username="Anna", client=throttle.client_hash(desk.secret, "198.51.100.1"))
    with desk.engine.connect() as conn:
        row = conn.execute(select(login_failures)).one()
    assert "198.51.100.1" not in str(tuple(row)) and "anna" not in str(tuple(row)).lower()


class Headers(dict):
    def getall(self, name: str, default: list[str]) -> list[str]:
        return self.get(name, default)


class FakeRequest:
    """What client_address reads of a Sanic request: the socket peer and the headers."""

    def __init__(self, peer: str, forwarded: list[str]) -> None:
        self.ip = peer
        self.headers = Headers({"x-forwarded-for": forwarded} if forwarded else {})


@pytest.mark.parametrize(
    "peer, forwarded, trusted, expected",
    [
        ("198.51.100.1", ["203.0.113.9"], "", "198.51.100.1"),  # no proxy configured: the header is ignored
        ("198.51.100.1", ["203.0.113.9"], "10.0.0.0/8", "198.51.100.1"),  # not from the proxy: ignored
        ("10.0.0.2", ["203.0.113.9"], "10.0.0.0/8", "203.0.113.9"),
        ("10.0.0.2", ["1.2.3.4, 203.0.113.9, 10.0.0.3"], "10.0.0.0/8", "203.0.113.9"),  # nearest untrusted hop
        ("10.0.0.2", [], "10.0.0.0/8", "10.0.0.2"),
    ],
)
def test_client_address_honours_forwarded_for_only_from_trusted_proxies(peer, forwarded, trusted, expected) -> None:
    from web.auth.client import client_address

    request = FakeRequest(peer, forwarded)
    networks = Servers(trusted_proxies=trusted).trusted_proxies
    assert client_address(request, networks) == expected  # type: ignore[arg-type]


def test_trusted_proxies_must_be_addresses_or_networks(tmp_path) -> None:
    with pytest.raises(SettingsError, match="SERVICEDESK_TRUSTED_PROXIES"):
        Settings.load(env={"SERVICEDESK_TRUSTED_PROXIES": "proxy.intern"}, dotenv=tmp_path / "none.env")
