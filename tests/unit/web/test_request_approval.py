"""The approval page through Sanic's test client: GET shows only, POST decides, the wrong approver, a forged,
expired or reused link and a cross-site form are refused with a clear page."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest
from sanic import Sanic

from desk import conversations
from desk.identity import make_identity
from desk.requests import approval, flow, records
from knowledge.source import StaticKnowledgeSource
from settings import Settings
from tests.conftest import desk_web_app
from tests.unit.desk.request_fixtures import CONVERSATION, FOLDER, USER, inbox, link_token
from tests.unit.desk.test_ticket_sinks import Inbox
from tests.unit.web.test_console_api import FakeRasa

__all__ = ["inbox"]
IDENTITY_KEY = "intranet-shared-key-for-tests-0123456789"
PUBLIC = "https://servicedesk.stadt.example"
FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def settings(desk_settings: Settings, inbox: Inbox) -> Settings:
    return desk_settings.override(
        SERVICEDESK_SMTP_PORT=str(inbox.port),
        SERVICEDESK_IDENTITY_SECRET=IDENTITY_KEY,
        SERVICEDESK_PUBLIC_URL=PUBLIC,
    )


@pytest.fixture
def app(desk, settings, hashing_kb, rasa) -> Sanic:  # noqa: ANN001 - fixtures
    return desk_web_app(desk, settings, StaticKnowledgeSource(hashing_kb), rasa, sweep_interval_s=3600)


def submitted(desk, settings: Settings, inbox: Inbox) -> tuple[records.ServiceRequest, str]:  # noqa: ANN001
    conversations.ensure_conversation(desk.engine, CONVERSATION, USER, "de")
    found = flow.submit(
        flow.for_settings(desk, settings),
        kind="folder_access",
        values=FOLDER,
        user=USER,
        conversation_id=CONVERSATION,
        language="de",
    )
    return found, link_token(inbox.messages[-1][2])


def form(token: str, decision: str, sub: str | None = "k.schmidt") -> str:
    fields = {"t": token, "decision": decision}
    if sub is not None:
        fields["identity"] = make_identity(sub, IDENTITY_KEY.encode())
    return urlencode(fields)


async def test_get_only_shows_the_request_and_post_decides(app, desk, settings, inbox: Inbox) -> None:  # noqa: ANN001
    found, token = submitted(desk, settings, inbox)
    for _ in range(2):  # a mail scanner, then the person: nothing changes
        _, shown = await app.asgi_client.get(f"{approval.PATH}?t={token}")
        assert shown.status == 200 and shown.headers["cache-control"] == "no-store"
    page = shown.text
    assert f"<h1>Antrag {found.number}: Freigabe</h1>" in page
    assert "<td>Stadtkasse (S:\\Stadtkasse)</td>" in page and "<td>Karin Schmidt (Stadtkasse)</td>" in page
    assert f'<form method="post" action="{approval.PATH}?lang=de">' in page and 'value="approve"' in page
    assert records.get(desk.engine, found.id).status == "waiting_approval"
    _, english = await app.asgi_client.get(f"{approval.PATH}?t={token}&lang=en")
    assert '<html lang="en">' in english.text and "Folder or drive" in english.text
    _, decided = await app.asgi_client.post(approval.PATH, content=form(token, "approve"), headers=FORM)
    assert decided.status == 200
    assert f"Vielen Dank. Sie haben den Antrag {found.number} freigegeben." in decided.text
    done = records.get(desk.engine, found.id)
    assert done.status == "ticket_created" and done.ticket_sink == "sql"
    chat = [m["text"] for m in conversations.messages_after(desk.engine, CONVERSATION)]
    assert chat[-2] == f"Ihr Antrag {found.number} (Zugriff auf Ordner/Laufwerk) wurde freigegeben."
    _, again = await app.asgi_client.get(f"{approval.PATH}?t={token}")
    assert again.status == 410 and "bereits entschieden" in again.text and "decided already" in again.text
    _, reused = await app.asgi_client.post(approval.PATH, content=form(token, "reject"), headers=FORM)
    assert reused.status == 410 and records.get(desk.engine, found.id).status == "ticket_created"


async def test_the_wrong_approver_and_a_missing_identity_are_refused(app, desk, settings, inbox: Inbox) -> None:  # noqa: ANN001
    found, token = submitted(desk, settings, inbox)
    _, stranger = await app.asgi_client.post(approval.PATH, content=form(token, "approve", "p.yilmaz"), headers=FORM)
    assert stranger.status == 403 and "nicht die Person" in stranger.text
    _, nobody = await app.asgi_client.post(approval.PATH, content=form(token, "approve", None), headers=FORM)
    assert nobody.status == 401 and "Anmeldenachweis" in nobody.text
    forged_identity = make_identity("k.schmidt", b"not the intranet's key, but long enough for HS256")
    body = urlencode({"t": token, "decision": "approve", "identity": forged_identity})
    _, forged = await app.asgi_client.post(approval.PATH, content=body, headers=FORM)
    assert forged.status == 401
    # The intranet's sign-in proxy may pass the identity as a bearer token instead of the form field.
    bearer = {**FORM, "authorization": "Bearer " + make_identity("k.schmidt", IDENTITY_KEY.encode())}
    body = urlencode({"t": token, "decision": "reject"})
    _, by_header = await app.asgi_client.post(approval.PATH, content=body, headers=bearer)
    assert by_header.status == 200 and "abgelehnt" in by_header.text
    assert records.get(desk.engine, found.id).status == "rejected"


async def test_forged_expired_and_cross_site_are_refused(app, desk, settings, inbox: Inbox) -> None:  # noqa: ANN001
    found, token = submitted(desk, settings, inbox)
    other = approval.issue(b"someone else's secret", found.id, 3600).token
    for bad, status in ((other, 403), (token[:-3] + "abc", 403), ("x" * 2000, 403), ("", 400)):
        _, resp = await app.asgi_client.get(f"{approval.PATH}?t={bad}")
        assert resp.status == status and "ungültig" in resp.text and "not valid" in resp.text
        _, post = await app.asgi_client.post(approval.PATH, content=form(bad, "approve"), headers=FORM)
        assert post.status == status
    cross = {**FORM, "origin": "https://evil.example"}
    _, resp = await app.asgi_client.post(approval.PATH, content=form(token, "approve"), headers=cross)
    assert resp.status == 403 and "nicht von der Freigabeseite" in resp.text
    _, resp = await app.asgi_client.post(
        approval.PATH, content=form(token, "approve"), headers={**FORM, "sec-fetch-site": "cross-site"}
    )
    assert resp.status == 403
    _, resp = await app.asgi_client.post(approval.PATH, content=form(token, "maybe"), headers=FORM)
    assert resp.status == 400
    _, resp = await app.asgi_client.post(approval.PATH, json={"t": token, "decision": "approve"})
    assert resp.status == 415
    assert records.get(desk.engine, found.id).status == "waiting_approval"
    late = approval.issue(desk.secret, found.id, 60, at=time.time() - 7200)
    records.await_approval(desk.engine, found.id, nonce_hash=late.nonce_hash, expires_at=late.expires_at)
    _, expired = await app.asgi_client.get(f"{approval.PATH}?t={late.token}")
    assert expired.status == 410 and "abgelaufen" in expired.text
    _, expired_post = await app.asgi_client.post(approval.PATH, content=form(late.token, "approve"), headers=FORM)
    assert expired_post.status == 410
    own = {**FORM, "origin": PUBLIC}
    fresh = approval.issue(desk.secret, found.id, 600)
    records.await_approval(desk.engine, found.id, nonce_hash=fresh.nonce_hash, expires_at=fresh.expires_at)
    _, ok = await app.asgi_client.post(approval.PATH, content=form(fresh.token, "approve"), headers=own)
    assert ok.status == 200
