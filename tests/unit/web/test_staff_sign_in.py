"""Staff sign-in with directory accounts through ``/api/auth/login`` (issue 19).

The in-memory directory for the decisions; one test against a real OpenLDAP (slapd, ``tests/ldap_server.py``)
with the directory the settings make, as in production.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sanic import Sanic
from sqlalchemy import func, select

from desk import login_throttle as throttle
from desk.db import login_failures
from desk.directory import DirectoryAccount, DirectoryError
from desk.directory.memory import MemoryDirectory
from knowledge.source import StaticKnowledgeSource
from tests.conftest import desk_web_app
from tests.ldap_server import BASE, EMPLOYEES, Slapd
from tests.unit.web.test_console_api import FakeRasa, login

GROUPS = "ou=groups,dc=stadt,dc=example"
AGENTS, LEADS = f"cn=sd-agents,{GROUPS}", f"cn=sd-leads,{GROUPS}"
SIGN_IN = {
    "SERVICEDESK_DIRECTORY_URL": "ldaps://dc1.stadt.example",
    "SERVICEDESK_DIRECTORY_BASE_DN": "dc=stadt,dc=example",
    "SERVICEDESK_DIRECTORY_STAFF_SIGN_IN": "true",
    "SERVICEDESK_DIRECTORY_ROLE_GROUPS": f"agent={AGENTS};agent={LEADS};lead={LEADS}",
}
PW = "Verzeichnis-2026!"
ADMIN = ("admin", "admin-unit-password")  # the first admin of the unit tests' settings


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def directory() -> MemoryDirectory:
    memory = MemoryDirectory()
    memory.add("skoch", PW, groups=(AGENTS,))
    memory.add("pfischer", PW, groups=(LEADS,))
    memory.add("mmeier", PW, groups=(f"cn=Bauamt,{GROUPS}",))
    return memory


def app_with(desk, desk_settings, hashing_kb, rasa, directory, **variables: str) -> Sanic:  # noqa: ANN001
    settings = desk_settings.override(**(SIGN_IN | variables))
    return desk_web_app(desk, settings, StaticKnowledgeSource(hashing_kb), rasa, sweep_interval_s=3600, **directory)


@pytest.fixture
def app(desk, desk_settings, hashing_kb, rasa, directory) -> Sanic:  # noqa: ANN001
    return app_with(desk, desk_settings, hashing_kb, rasa, {"directory": directory})


async def attempt(app: Sanic, username: str, password: str) -> object:
    _, resp = await app.asgi_client.post("/api/auth/login", json={"username": username, "password": password})
    return resp


def failures(desk) -> int:  # noqa: ANN001
    with desk.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(login_failures)).scalar_one())


async def test_directory_staff_reach_what_their_groups_allow(app: Sanic) -> None:
    lead = await login(app, "PFischer", PW)
    _, resp = await app.asgi_client.get("/api/auth/me", headers=lead)
    assert resp.json["user"]["username"] == "pfischer" and resp.json["user"]["roles"] == ["agent", "lead"]
    _, resp = await app.asgi_client.get("/api/insights/csat", headers=lead)
    assert resp.status == 200
    agent = await login(app, "skoch", PW)
    _, resp = await app.asgi_client.get("/api/escalations", headers=agent)
    assert resp.status == 200
    _, resp = await app.asgi_client.get("/api/insights/csat", headers=agent)
    assert resp.status == 403
    admin = await login(app, *ADMIN)  # the first admin is a local account and still signs in
    _, resp = await app.asgi_client.post(
        "/api/users", json={"username": "lokal", "password": "lokales-passwort-1", "roles": ["agent"]}, headers=admin
    )
    assert resp.status == 201
    await login(app, "lokal", "lokales-passwort-1")  # so does a site's local agent
    _, resp = await app.asgi_client.post(  # a directory account's name cannot become a local account
        "/api/users", json={"username": "skoch", "password": "lokales-passwort-1", "roles": ["admin"]}, headers=admin
    )
    assert resp.status == 409


async def test_every_refusal_looks_and_counts_like_a_wrong_password(app: Sanic, desk, directory) -> None:  # noqa: ANN001
    wrong = await attempt(app, "skoch", "falsches-passwort")
    answers = [
        wrong,
        await attempt(app, "niemand", PW),  # no such name anywhere
        await attempt(app, "mmeier", PW),  # the right password, but in no staff group
        await attempt(app, "admin", PW),  # the local admin's name with the directory user's password
    ]
    assert [r.status for r in answers] == [401] * 4
    assert all(r.json == wrong.json for r in answers) and wrong.json["code"] == "auth.wrong"
    assert failures(desk) == 4
    for _ in range(throttle.NAME_FREE - 1):  # the name's free failures, all wrong directory passwords
        assert (await attempt(app, "skoch", "falsches-passwort")).status == 401
    held = await attempt(app, "skoch", PW)  # now even the right password waits, as after local failures
    assert held.status == 429 and int(held.headers["retry-after"]) > 0


async def test_leaving_the_lead_group_takes_the_lead_role_at_the_next_sign_in(app: Sanic, directory) -> None:  # noqa: ANN001
    lead = await login(app, "pfischer", PW)
    directory.add("pfischer", PW, groups=(AGENTS,))
    again = await login(app, "pfischer", PW)
    for session in (again, lead):  # the older session too: roles are read from the account
        _, resp = await app.asgi_client.get("/api/insights/csat", headers=session)
        assert resp.status == 403
    directory.add("pfischer", PW, groups=())
    assert (await attempt(app, "pfischer", PW)).status == 401
    _, resp = await app.asgi_client.get("/api/escalations", headers=again)
    assert resp.status == 401  # out of every staff group: the sessions ended


class Unreachable(MemoryDirectory):
    """A directory whose server does not answer."""

    def authenticate(self, username: str, password: str) -> bool:
        raise DirectoryError("directory ldaps://dc1.stadt.example: LDAPSocketOpenError")

    def find(self, username: str) -> DirectoryAccount | None:
        raise DirectoryError("directory ldaps://dc1.stadt.example: LDAPSocketOpenError")


async def test_an_unreachable_directory_is_no_failed_sign_in(desk, desk_settings, hashing_kb, rasa) -> None:  # noqa: ANN001
    app = app_with(desk, desk_settings, hashing_kb, rasa, {"directory": Unreachable()})
    resp = await attempt(app, "skoch", PW)
    assert resp.status == 503 and resp.json["code"] == "auth.directory" and "Verzeichniskonto" in resp.json["error"]
    assert failures(desk) == 0
    await login(app, *ADMIN)  # local accounts do not need the directory


@pytest.fixture(scope="module")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slapd]:
    server = Slapd(tmp_path_factory.mktemp("slapd")).start()
    yield server
    server.stop()


@pytest.mark.integration
async def test_staff_sign_in_against_a_real_openldap(desk, desk_settings, hashing_kb, rasa, slapd: Slapd) -> None:  # noqa: ANN001
    staff = {e.uid: e for e in EMPLOYEES}
    app = app_with(
        desk,
        desk_settings,
        hashing_kb,
        rasa,
        {},  # the directory the settings make: LdapDirectory over ldap3
        **slapd.settings().variables()
        | {
            "SERVICEDESK_DIRECTORY_STAFF_SIGN_IN": "true",
            "SERVICEDESK_DIRECTORY_ALLOW_PLAIN_LDAP": "true",  # the test slapd has no certificate
            "SERVICEDESK_DIRECTORY_ROLE_GROUPS": (
                f"agent=cn=Servicedesk,ou=groups,{BASE};lead=cn=Servicedesk-Leitung,ou=groups,{BASE}"
            ),
        },
    )
    lead = await login(app, "pfischer", staff["pfischer"].password)
    _, resp = await app.asgi_client.get("/api/insights/csat", headers=lead)
    assert resp.status == 200
    _, resp = await app.asgi_client.get("/api/auth/me", headers=lead)
    assert resp.json["user"]["roles"] == ["agent", "lead"]
    agent = await login(app, "skoch", staff["skoch"].password)
    _, resp = await app.asgi_client.get("/api/escalations", headers=agent)
    assert resp.status == 200
    _, resp = await app.asgi_client.get("/api/insights/csat", headers=agent)
    assert resp.status == 403
    assert (await attempt(app, "mmeier", staff["mmeier"].password)).status == 401  # an employee, no staff group
    assert (await attempt(app, "skoch", "Falsch-2026!")).status == 401
    # slapd takes a bind with an empty password as anonymous and succeeds: the sign-in never gets that far.
    assert app.ctx.staff_directory.sign_in(desk.engine, "skoch", "") is None
