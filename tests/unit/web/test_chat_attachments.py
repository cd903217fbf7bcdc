"""``POST /api/chat/attachments``: a screenshot becomes the employee's message, its OCR text their question."""

from __future__ import annotations

import asyncio
import io

import pytest
from PIL import Image
from sqlalchemy import select

from bench.ocr_dialogs import Dialog, png
from desk import conversations, escalations
from desk.db import attachments
from desk.runtime import LazyDesk
from knowledge.source import StaticKnowledgeSource
from tests.conftest import web_app
from tests.unit.fakes import RecordingRasa
from web.chat import ocr, screenshots

DIALOG = Dialog(
    "vpn-fehler",
    "VPN-Client",
    "Die VPN-Verbindung konnte nicht hergestellt werden. Rufen Sie bei Fragen 0170 1234567 an.",
    scale=1.5,
)


@pytest.fixture
def rasa() -> RecordingRasa:
    return RecordingRasa()


@pytest.fixture
def app(desk, desk_settings, hashing_kb, rasa):
    return web_app(
        desk_settings, StaticKnowledgeSource(hashing_kb), desk=LazyDesk.ready(desk), rasa=rasa, sweep_interval_s=3600
    )


async def session(app) -> dict[str, str]:  # noqa: ANN001
    _, resp = await app.asgi_client.post("/api/chat/session", json={})
    return {"authorization": f"Bearer {resp.json['session']}"}


async def upload(app, auth, raw: bytes, language: str = "de", name: str = "shot.png"):  # noqa: ANN001, ANN201
    files = {"file": (name, raw, "image/png")}
    _, resp = await app.asgi_client.post(
        "/api/chat/attachments", files=files, data={"language": language}, headers=auth
    )
    return resp


def stored(desk) -> list:  # noqa: ANN001
    with desk.engine.connect() as conn:
        return list(conn.execute(select(attachments)).all())


async def test_a_screenshot_is_quoted_and_its_redacted_text_asked(app, desk, rasa) -> None:
    auth = await session(app)
    resp = await upload(app, auth, png(DIALOG))
    assert resp.status == 200, resp.json
    lead, answer = resp.json["messages"]
    assert lead["text"].startswith("In Ihrem Screenshot steht: „VPN-Client Die VPN-Verbindung konnte nicht")
    assert answer["text"] == "ok"
    ((conversation, asked),) = rasa.sent
    assert "VPN-Verbindung konnte nicht hergestellt werden" in asked
    assert "1234567" not in asked and "[Telefon]" in asked  # redacted before anyone uses it
    (row,) = stored(desk)
    assert row.conversation_id == conversation and row.ocr_status == "read" and "1234567" not in row.ocr_text
    assert Image.open(io.BytesIO(row.content)).format == "PNG"
    user, *_ = conversations.messages_after(desk.engine, conversation)
    assert user["role"] == "user" and user["text"] == "📎 Bildschirmfoto"
    assert user["data"] == {"attachment": row.id} and row.message_id == user["id"]


async def test_an_ocr_timeout_keeps_the_image_and_asks_for_the_text(app, desk, rasa, monkeypatch) -> None:
    async def slow(_content: bytes, *, limit: int, timeout_s: float = 0.0) -> ocr.OcrResult:
        return ocr.OcrResult("", "timeout", 20.0)

    monkeypatch.setattr(screenshots, "read_text", slow)
    resp = await upload(app, await session(app), png(DIALOG), language="en")
    assert resp.status == 200
    assert [m["text"] for m in resp.json["messages"]] == [
        "I could not read any text in your screenshot. Please type the error message or describe the problem in "
        "one sentence."
    ]
    assert rasa.sent == []
    (row,) = stored(desk)
    assert row.ocr_status == "timeout" and row.ocr_text == ""


async def test_tesseract_past_its_time_limit_is_killed() -> None:
    result = await ocr.read_text(png(DIALOG), limit=1000, timeout_s=0.01)
    assert (result.text, result.status) == ("", "timeout")


async def test_bad_uploads_get_a_clear_4xx_and_store_nothing(app, desk, rasa) -> None:
    auth = await session(app)
    gif = b"GIF89a" + b"\0" * 100
    assert (await upload(app, auth, gif)).json["code"] == "attachment.type"
    assert (await upload(app, auth, b"\x89PNG\r\n\x1a\nbroken")).json["code"] == "attachment.broken"
    _, resp = await app.asgi_client.post("/api/chat/attachments", json={"file": "x"}, headers=auth)
    assert resp.status == 415
    _, resp = await app.asgi_client.post(
        "/api/chat/attachments",
        content=b"--zzz\r\nContent-Disposition: form-data; name=\x00\r\n\r\n\xff\xfe",
        headers={**auth, "content-type": "multipart/form-data; boundary=zzz"},
    )
    assert 400 <= resp.status < 500
    _, resp = await app.asgi_client.post("/api/chat/attachments", files={"other": ("a", b"x")}, headers=auth)
    assert (resp.status, resp.json["code"]) == (400, "attachment.missing")
    _, resp = await app.asgi_client.post("/api/chat/attachments", files={"file": ("a.png", png(DIALOG))})
    assert resp.status == 401
    assert stored(desk) == [] and rasa.sent == []


async def test_a_large_upload_is_413_and_other_routes_keep_their_2_mb_limit(app, rasa) -> None:
    auth = await session(app)
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * (5 * 1024 * 1024)
    resp = await upload(app, auth, big)
    assert (resp.status, resp.json["code"]) == (413, "attachment.too_big")
    _, resp = await app.asgi_client.post(
        "/api/chat/messages", content=b'{"text": "' + b"a" * (3 * 1024 * 1024) + b'"}', headers=auth
    )
    assert resp.status == 413


async def test_the_agent_sees_the_screenshot_of_the_escalated_conversation_only(app, desk, monkeypatch) -> None:
    async def quick(_content: bytes, *, limit: int, timeout_s: float = 0.0) -> ocr.OcrResult:
        return ocr.OcrResult("Drucker offline", "read", 0.1)

    monkeypatch.setattr(screenshots, "read_text", quick)
    assert (await upload(app, await session(app), png(DIALOG))).status == 200
    assert (await upload(app, await session(app), png(DIALOG))).status == 200  # someone else's
    mine, other = stored(desk)
    esc = escalations.create(
        desk.engine, conversation_id=mine.conversation_id, user_pseudonym="p", language="de", reason="user_request",
        details={}, intents=[], articles=[], transcript=[],
    )  # fmt: skip
    path = f"/api/escalations/{esc.id}/attachments/"
    _, resp = await app.asgi_client.get(path + str(mine.id))
    assert resp.status == 401
    _, resp = await app.asgi_client.post(
        "/api/auth/login", json={"username": "admin", "password": "admin-unit-password"}
    )
    staff = {"cookie": resp.headers["set-cookie"].split(";")[0]}
    _, resp = await app.asgi_client.get(f"/api/escalations/{esc.id}", headers=staff)
    assert resp.json["attachments"] == [mine.id]
    _, resp = await app.asgi_client.get(path + str(mine.id), headers=staff)
    assert (resp.status, resp.headers["content-type"]) == (200, "image/png") and resp.body == mine.content
    assert "no-store" in resp.headers["cache-control"]
    _, resp = await app.asgi_client.get(path + str(other.id), headers=staff)
    assert (resp.status, resp.json["code"]) == (404, "attachment.not_found")


async def test_at_most_two_tesseract_processes_run_and_waiting_counts_against_the_limit(monkeypatch) -> None:
    started: list[bytes] = []
    never = asyncio.Event()

    async def stuck(image: bytes, _languages: str, _psm: str) -> str:
        started.append(image)
        await never.wait()
        return "never"

    monkeypatch.setattr(ocr, "_tesseract", stuck)
    calls = [asyncio.create_task(ocr.run_tesseract(bytes([i]), timeout_s=0.3)) for i in range(3)]
    await asyncio.sleep(0.1)
    assert started == [b"\x00", b"\x01"]  # the third waits for a slot
    assert await asyncio.gather(*calls) == [None, None, None]  # all past the limit, the waiting one included
    assert len(started) == 2


def test_ocr_noise_lines_are_dropped_and_the_text_capped_at_a_word() -> None:
    # A leading "/" would make Rasa read an intent: it goes; "[OK]" has too few letters, the border none.
    raw = "/Microsoft Outlook    ×\n|  ©  |\n\nOutlook kann nicht gestartet werden.\n[OK] \n—— ~~ ——\nAbbrechen\n"
    assert ocr.clean_text(raw, 1000) == "Microsoft Outlook × Outlook kann nicht gestartet werden. Abbrechen"
    assert ocr.clean_text(raw, 30) == "Microsoft Outlook × Outlook"
    assert ocr.clean_text("12345 0x8007\n| | |", 1000) == ""
