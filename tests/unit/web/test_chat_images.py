"""Screenshots are checked before they are decoded and stored as bare pixels: type, bytes, pixels, metadata."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, PngImagePlugin

from web.chat.images import ImageRefused, sanitize


def encoded(image: Image.Image, kind: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=kind, **params)
    return out.getvalue()


def with_exif(kind: str) -> bytes:
    """An image that carries EXIF (camera, GPS-like comment, orientation) and, for PNG, a text chunk."""
    image = Image.new("RGB", (40, 20), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "Kamera Meier"  # Make
    exif[0x0131] = "Fotoapp Bürgerdaten 1.0"  # Software
    exif[0x0112] = 6  # Orientation: turned 90°
    params: dict[str, object] = {"exif": exif.tobytes()}
    if kind == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("Author", "Anna Beispiel")
        params["pnginfo"] = info
    return encoded(image, kind, **params)


@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_metadata_is_dropped_and_the_picture_turned_upright(kind: str) -> None:
    raw = with_exif(kind)
    assert b"Kamera Meier" in raw
    clean = sanitize(raw)
    assert b"Kamera Meier" not in clean.content and "Bürgerdaten".encode() not in clean.content
    assert b"Anna Beispiel" not in clean.content and b"Exif" not in clean.content
    stored = Image.open(io.BytesIO(clean.content))
    assert stored.format == kind and not stored.getexif() and "Author" not in stored.info
    # The orientation tag was applied to the pixels before it went: 40x20 turned is 20x40.
    assert (clean.width, clean.height) == (20, 40) == stored.size
    assert clean.media_type == f"image/{kind.lower()}"


def test_the_pixels_survive_the_re_encoding() -> None:
    image = Image.new("RGBA", (3, 2), (10, 20, 30, 128))
    image.putpixel((2, 1), (250, 0, 0, 255))
    clean = sanitize(encoded(image, "PNG"))
    back = Image.open(io.BytesIO(clean.content))
    assert back.mode == "RGBA" and back.getpixel((2, 1)) == (250, 0, 0, 255) and back.getpixel((0, 0))[3] == 128


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b"", 400, "attachment.missing"),
        (b"GIF89a" + b"\0" * 40, 415, "attachment.type"),
        (b"%PDF-1.7 not an image", 415, "attachment.type"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, 400, "attachment.broken"),
        (b"\xff\xd8\xff\xe0" + b"garbage" * 10, 400, "attachment.broken"),
    ],
)
def test_what_is_not_a_png_or_jpeg_is_refused(raw: bytes, status: int, code: str) -> None:
    with pytest.raises(ImageRefused) as refused:
        sanitize(raw)
    assert (refused.value.status, refused.value.code) == (status, code)


def test_a_truncated_png_is_refused_as_broken() -> None:
    raw = encoded(Image.new("RGB", (200, 200), (1, 2, 3)), "PNG")
    with pytest.raises(ImageRefused) as refused:
        sanitize(raw[: len(raw) // 2])
    assert refused.value.code == "attachment.broken"


def test_more_than_5_mb_is_refused_before_decoding() -> None:
    with pytest.raises(ImageRefused) as refused:
        sanitize(b"\x89PNG\r\n\x1a\n" + b"\0" * (5 * 1024 * 1024))
    assert (refused.value.status, refused.value.code) == (413, "attachment.too_big")


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG that claims a huge size (a decompression bomb's header): IHDR only, one empty IDAT."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


@pytest.mark.parametrize(("width", "height"), [(5001, 5000), (20_000, 20_000), (100_000, 100_000)])
def test_more_than_25_megapixels_is_refused_from_the_header(width: int, height: int) -> None:
    raw = png_header(width, height)
    assert len(raw) < 100
    with pytest.raises(ImageRefused) as refused:
        sanitize(raw)
    assert (refused.value.status, refused.value.code) == (413, "attachment.pixels")


def test_exactly_the_pixel_limit_is_taken() -> None:
    clean = sanitize(encoded(Image.new("L", (50, 20), 255), "PNG"), max_pixels=1000)
    assert (clean.width, clean.height) == (50, 20)
    with pytest.raises(ImageRefused):
        sanitize(encoded(Image.new("L", (50, 21), 255), "PNG"), max_pixels=1000)
