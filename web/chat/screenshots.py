"""A screenshot upload (``POST /api/chat/attachments``) from the form to what the records keep.

The form is ``multipart/form-data`` with one ``file`` (PNG or JPEG) and optionally ``language`` (``de``/``en``,
the widget's). The image is checked and re-encoded (:mod:`web.chat.images`), its text read by OCR
(:mod:`web.chat.ocr`, redacted there); a refusal is a :class:`~web.chat.service.ChatRefused` with a clear 4xx.
"""

from __future__ import annotations

import asyncio
import logging

from sanic import Request

from desk.attachments import NewAttachment
from web.chat.images import ImageRefused, sanitize
from web.chat.ocr import TIMEOUT_S, read_text
from web.chat.service import ChatRefused

logger = logging.getLogger(__name__)


def uploaded(request: Request) -> tuple[bytes, str]:
    """The uploaded file's bytes and the widget's language; :class:`ChatRefused` for a form without a file."""
    if not (request.content_type or "").startswith("multipart/form-data"):
        raise ChatRefused(415, "attachment.form")
    try:
        files = request.files
        form = request.form
    except Exception as exc:  # noqa: BLE001 - Sanic's form parser raises various errors on garbage
        raise ChatRefused(400, "attachment.form") from exc
    given = files.get("file") if files else None
    if given is None or not given.body:
        raise ChatRefused(400, "attachment.missing", "file")
    language = "en" if form and form.get("language") == "en" else "de"
    return bytes(given.body), language


async def screenshot(raw: bytes, *, limit: int, timeout_s: float = TIMEOUT_S) -> NewAttachment:
    """The re-encoded screenshot with its OCR text (empty on a timeout: the image is still kept)."""
    try:
        clean = await asyncio.to_thread(sanitize, raw)
    except ImageRefused as exc:
        raise ChatRefused(exc.status, exc.code, "file") from exc
    result = await read_text(clean.content, limit=limit, timeout_s=timeout_s)
    logger.info("screenshot %dx%d: OCR %s in %.1f s", clean.width, clean.height, result.status, result.seconds)
    return NewAttachment(clean.media_type, clean.width, clean.height, clean.content, result.text, result.status)
