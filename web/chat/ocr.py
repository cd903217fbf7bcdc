"""The text of a screenshot, read by Tesseract (Debian's ``tesseract-ocr`` with German and English data).

Tesseract runs as its own process (``tesseract stdin stdout``) with a time limit: a hostile or huge image can
cost at most that long and never the web service's memory. The image is prepared first (grey, enlarged to
about 300 dpi worth of pixels for screen text at 100 %), and the result is cleaned to the lines that read like
words (window buttons and icons give noise) and redacted like a typed message before anyone stores or uses it.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import re
import shutil
import weakref
from dataclasses import dataclass

from PIL import Image

from knowledge.redaction import redact

logger = logging.getLogger(__name__)

STATUSES = ("read", "empty", "timeout", "unavailable")
LANGUAGES = "deu+eng"
PSM = "11"  # sparse text: a dialog's lines are scattered blocks (title, message, buttons), not one column
TIMEOUT_S = 20.0
TARGET_WIDTH = 2400  # screen text at 100 % is ~10 px high; Tesseract reads best at ~30 px
MAX_OCR_PIXELS = 12_000_000
WORD = re.compile(r"[^\W\d_]{2,}")
PARALLEL = 2  # Tesseract processes at once per web process; more screenshots wait (within their time limit)
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class OcrResult:
    """What OCR read (cleaned and redacted; empty when nothing) and how it went (:data:`STATUSES`)."""

    text: str
    status: str
    seconds: float = 0.0


def prepared(content: bytes) -> bytes:
    """The screenshot as Tesseract reads it best: grey, enlarged (at most 3×, at most 12 megapixels), PNG."""
    with Image.open(io.BytesIO(content)) as image:
        grey = image.convert("L")
    scale = min(3.0, max(1.0, TARGET_WIDTH / grey.width), (MAX_OCR_PIXELS / (grey.width * grey.height)) ** 0.5)
    if scale > 1.05:
        grey = grey.resize((round(grey.width * scale), round(grey.height * scale)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    grey.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def clean_text(raw: str, limit: int) -> str:
    """The lines that read like words, joined to one question; noise lines (icons, borders, "X") dropped."""
    kept = []
    for line in raw.splitlines():
        line = " ".join(line.split())
        letters = sum(ch.isalpha() for ch in line)
        if len(WORD.findall(line)) >= 1 and letters >= 3 and letters >= 0.5 * len(line.replace(" ", "")):
            kept.append(line)
    text = " ".join(kept).lstrip("/").strip()
    text = "".join(ch for ch in text if ch.isprintable())
    return text[:limit].rsplit(" ", 1)[0] if len(text) > limit else text


def tesseract_available() -> bool:
    """Whether the ``tesseract`` command is installed (``make setup-ocr``)."""
    return shutil.which("tesseract") is not None


def _slot() -> asyncio.Semaphore:
    """This event loop's limit on Tesseract processes."""
    loop = asyncio.get_running_loop()
    if loop not in _slots:
        _slots[loop] = asyncio.Semaphore(PARALLEL)
    return _slots[loop]


async def run_tesseract(image: bytes, *, timeout_s: float, languages: str = LANGUAGES, psm: str = PSM) -> str | None:
    """Tesseract's raw output for a PNG; ``None`` when it took longer than ``timeout_s`` (the process is killed).

    The time limit covers the wait for a free slot too (at most :data:`PARALLEL` processes run at once).
    """
    try:
        async with asyncio.timeout(timeout_s):
            async with _slot():
                return await _tesseract(image, languages, psm)
    except TimeoutError:
        return None


async def _tesseract(image: bytes, languages: str, psm: str) -> str:
    """One Tesseract process; killed when the caller's time limit cancels it."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # one core per screenshot: the web service keeps the other
    proc = await asyncio.create_subprocess_exec(
        "tesseract", "stdin", "stdout", "-l", languages, "--psm", psm,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, env=env,
    )  # fmt: skip
    try:
        out, _ = await proc.communicate(image)
    except asyncio.CancelledError:
        proc.kill()
        await proc.wait()
        raise
    if proc.returncode != 0:
        logger.warning("tesseract ended with code %s", proc.returncode)
        return ""
    return out.decode("utf-8", "replace")


async def read_text(content: bytes, *, limit: int, timeout_s: float = TIMEOUT_S) -> OcrResult:
    """The cleaned, redacted text of a (re-encoded) screenshot; the status says why it is empty."""
    if not tesseract_available():
        return OcrResult("", "unavailable")
    loop = asyncio.get_running_loop()
    started = loop.time()
    image = await asyncio.to_thread(prepared, content)
    raw = await run_tesseract(image, timeout_s=timeout_s)
    seconds = loop.time() - started
    if raw is None:
        return OcrResult("", "timeout", seconds)
    text = redact(clean_text(raw, limit))
    return OcrResult(text, "read" if text else "empty", seconds)
