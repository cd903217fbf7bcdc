"""A screenshot as the chat accepts it: PNG or JPEG, at most 5 MB and 25 megapixels, re-encoded to bare pixels.

The size is read from the header before anything is decoded (a small file can claim a huge image), then the
pixels are decoded and written into a fresh image: EXIF, ICC profiles, text chunks and comments stay behind.
Everything here is synchronous and CPU-bound; the chat service calls it in a worker thread.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 25_000_000
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}
SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"))


class ImageRefused(ValueError):
    """The upload is not an image we take: an HTTP status and the catalogue code (``error.<code>``)."""

    def __init__(self, status: int, code: str) -> None:
        """``code`` names the reason in ``texts/`` (``error.attachment.*``)."""
        super().__init__(code)
        self.status, self.code = status, code


@dataclass(frozen=True)
class CleanImage:
    """The re-encoded screenshot: only pixels, in the format it came in."""

    media_type: str
    width: int
    height: int
    content: bytes


def sniff(raw: bytes) -> str:
    """The format by its first bytes (``PNG`` or ``JPEG``); :class:`ImageRefused` (415) for anything else."""
    for signature, name in SIGNATURES:
        if raw.startswith(signature):
            return name
    raise ImageRefused(415, "attachment.type")


def _opened(raw: bytes, expected: str, max_pixels: int) -> Image.Image:
    """The image with only its header read, checked against the format and the pixel limit."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=[expected])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused(413, "attachment.pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ImageRefused(400, "attachment.broken") from None
    width, height = image.size
    if width < 1 or height < 1:
        raise ImageRefused(400, "attachment.broken")
    if width * height > max_pixels:
        raise ImageRefused(413, "attachment.pixels")
    return image


def _pixels(image: Image.Image, kind: str) -> Image.Image:
    """Decode, turn upright (a phone photo's orientation tag) and copy the pixels into an image without metadata."""
    try:
        image.load()
        upright = ImageOps.exif_transpose(image) or image
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, EOFError):
        raise ImageRefused(400, "attachment.broken") from None
    keeps_alpha = kind == "PNG" and (upright.mode in ("RGBA", "LA") or "transparency" in upright.info)
    mode = "RGBA" if keeps_alpha else ("L" if upright.mode in ("1", "L") else "RGB")
    converted = upright.convert(mode)
    return Image.frombytes(mode, converted.size, converted.tobytes())


def sanitize(raw: bytes, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> CleanImage:
    """Check and re-encode an uploaded screenshot; :class:`ImageRefused` says why it was refused."""
    if not raw:
        raise ImageRefused(400, "attachment.missing")
    if len(raw) > max_bytes:
        raise ImageRefused(413, "attachment.too_big")
    kind = sniff(raw)
    image = _opened(raw, kind, max_pixels)
    clean = _pixels(image, kind)
    out = io.BytesIO()
    if kind == "PNG":
        clean.save(out, format="PNG", compress_level=6)
    else:
        clean.save(out, format="JPEG", quality=90)
    return CleanImage(FORMATS[kind], clean.width, clean.height, out.getvalue())
