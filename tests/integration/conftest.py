"""Integration fixtures: the real embedding model and FAISS; the real Rasa + action + web processes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright

from knowledge.index_files import knowledge_base_from_files
from knowledge.search import KnowledgeBase
from scripts.stack import RASA_MODEL, Stack, free_port, isolated_settings
from settings import Settings
from tests.integration.intranet import serve_intranet
from tests.ldap_server import Slapd
from tests.unit.desk.test_ticket_sinks import Inbox, serving_inbox

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def real_settings() -> Settings:
    settings = Settings.load()
    model = settings.knowledge.model_path
    if not (model / "modules.json").is_file():
        pytest.fail(f"embedding model missing at {model}: run 'make build' first (make test does)")
    return settings


@pytest.fixture(scope="session")
def real_kb(real_settings: Settings) -> KnowledgeBase:
    kb, _ = knowledge_base_from_files(real_settings.knowledge)
    return kb


@pytest.fixture(scope="session")
def intranet_origin() -> str:
    """The origin the widget test's "intranet" page is served from (a port nothing else uses)."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="session")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slapd]:
    """The seeded OpenLDAP the stack's unlock talks to (tests/ldap_server.py; starts in about 0.1 s)."""
    server = Slapd(tmp_path_factory.mktemp("slapd")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mail_inbox() -> Iterator[Inbox]:
    """The stack's SMTP relay: an aiosmtpd server on loopback that keeps every mail."""
    with serving_inbox() as inbox:
        yield inbox


@pytest.fixture(scope="session")
def stack_settings(
    tmp_path_factory: pytest.TempPathFactory,
    real_settings: Settings,
    intranet_origin: str,
    slapd: Slapd,
    mail_inbox: Inbox,
) -> Settings:
    """Free ports and an own tracker database, so neither a running `make run` nor another program interferes."""
    tmp: Path = tmp_path_factory.mktemp("stack")
    return isolated_settings(
        tmp,
        real_settings,
        **slapd.settings().variables(),
        SERVICEDESK_SMTP_HOST="127.0.0.1",
        SERVICEDESK_SMTP_PORT=str(mail_inbox.port),  # unlock codes and approval mails
        SERVICEDESK_UNLOCK_PASSWORD_PORTAL_URL="https://passwort.stadt.example",
        # Agents on duty whatever time CI runs; the first admin for the console tests.
        SERVICEDESK_SERVICE_HOURS="always",
        SERVICEDESK_ADMIN_USER="admin",
        SERVICEDESK_ADMIN_PASSWORD="admin-test-password-123",
        SERVICEDESK_SECRET_KEY="integration-test-secret",
        SERVICEDESK_HANDOFF_TIMEOUT_S="600",
        SERVICEDESK_ALLOWED_ORIGINS=intranet_origin,
        SERVICEDESK_IDENTITY_SECRET="integration-intranet-key-of-32-bytes",
        # Our processes at their most talkative, in JSON: test_logs_stack.py reads every log of the run.
        SERVICEDESK_LOG_LEVEL="DEBUG",
        SERVICEDESK_LOG_FORMAT="json",
        # The surge detection every 2 s (default 30 s), so test_surge_browser.py need not wait long.
        SERVICEDESK_SURGE_INTERVAL_S="2",
    )


@pytest.fixture(scope="session")
def stack(stack_settings: Settings) -> Iterator[Stack]:
    if not RASA_MODEL.is_file():
        pytest.fail(f"no trained Rasa model at {RASA_MODEL}: run 'make build' first (make test does)")
    s = Stack(stack_settings)
    STARTED.append(s)
    s.start()
    try:
        s.wait_healthy(timeout=400)
        yield s
    finally:
        s.stop()


STARTED: list[Stack] = []  # the session's stack once it started (the incident clean-up below needs it)


class RasaChat:
    """Talks to Rasa's REST webhook as one employee."""

    def __init__(self, settings: Settings, sender: str) -> None:
        self.url = f"{settings.servers.rasa_url}/webhooks/rest/webhook"
        self.sender = sender

    def say(self, text: str) -> list[dict]:
        resp = httpx.post(self.url, json={"sender": self.sender, "message": text}, timeout=30)
        resp.raise_for_status()
        return resp.json()


@pytest.fixture
def chat(stack: Stack, request: pytest.FixtureRequest) -> RasaChat:
    return RasaChat(stack.settings, sender=f"test-{request.node.name}")


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
# Without the background-networking flags Chromium keeps calling Google's hosts, which this network refuses.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium, driven by Playwright."""
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium not installed: run 'make setup-browser' (make test does)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()


ADMIN = {"username": "admin", "password": "admin-test-password-123"}  # set for the stack above


@pytest.fixture(scope="module")
def base_url(stack: Stack) -> str:
    """The web service of the test stack."""
    return stack.settings.servers.web_url


@pytest.fixture(scope="module")
def intranet(
    tmp_path_factory: pytest.TempPathFactory, stack: Stack, base_url: str, intranet_origin: str
) -> Iterator[str]:
    """The intranet on its own origin, embedding the widget with one script tag."""
    with serve_intranet(tmp_path_factory.mktemp("intranet"), stack, base_url, intranet_origin) as origin:
        yield origin


def staff_client(base_url: str, account: dict[str, str]) -> httpx.Client:
    """An HTTP client logged in as a staff account, sending its CSRF token."""
    client = httpx.Client(base_url=base_url, timeout=60)
    resp = client.post("/api/auth/login", json={"username": account["username"], "password": account["password"]})
    assert resp.status_code == 200, resp.text
    client.headers["X-CSRF-Token"] = resp.json()["csrf_token"]
    return client


def ensure_user(base_url: str, account: dict[str, str], roles: list[str]) -> None:
    """Create a staff account through the admin API; an existing one (409) is fine if it is the same account.

    The stack is shared by every module: a name another module created with another password fails here, with a
    clear message, instead of as a refused login somewhere later.
    """
    admin = staff_client(base_url, ADMIN)
    try:
        resp = admin.post("/api/users", json={**account, "roles": roles})
        assert resp.status_code in (201, 409), resp.text
    finally:
        admin.close()
    if resp.status_code == 409:
        staff_client(base_url, account).close()  # asserts the login: the same name with another password fails


@pytest.fixture(autouse=True, scope="module")
def no_incident_left_active() -> Iterator[None]:
    """An incident a module declared is resolved when it ends, even after a failure: the stack is shared, and an
    active e-mail outage would answer the next module's e-mail questions."""
    yield
    if not STARTED:
        return
    from desk import incidents  # noqa: PLC0415 - only once the stack runs
    from desk.accounts import Account  # noqa: PLC0415
    from desk.db import open_db  # noqa: PLC0415

    engine = open_db(STARTED[0].settings.records.db_url)
    cleaner = Account(id=0, username="test-cleanup", display_name="Test", roles=("lead",))
    for found in incidents.active(engine):
        incidents.resolve(engine, found["id"], text="Testende.", account=cleaner)
    engine.dispose()
