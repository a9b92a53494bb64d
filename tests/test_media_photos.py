"""Photo rendering: every accepted photo format, metadata removal and rejection of bad input."""

from __future__ import annotations

import io

import pillow_heif
import pytest
from PIL import Image

from api.media.photos import UndecodablePhoto, render_photo
from api.media.signatures import matches_declared_type

GPS_IFD = 0x8825


def _exif() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 8  # rotate 90° counter-clockwise to display
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (30.0, 49.0, 12.0)})
    return exif.tobytes()


def _encoded(fmt: str, mode: str = "RGB") -> bytes:
    image = Image.new(mode, (300, 100), (10, 200, 30, 128) if mode == "RGBA" else (10, 200, 30))
    output = io.BytesIO()
    if fmt == "HEIF":
        pillow_heif.from_pillow(image).save(output, exif=_exif(), quality=80)
    elif fmt == "PNG":
        image.save(output, fmt)
    else:
        image.save(output, fmt, exif=_exif())
    return output.getvalue()


@pytest.mark.parametrize(
    ("fmt", "content_type", "mode"),
    [("JPEG", "image/jpeg", "RGB"), ("WEBP", "image/webp", "RGB"), ("HEIF", "image/heic", "RGB"),
     ("PNG", "image/png", "RGBA")],
)
def test_format_rendered_without_metadata(fmt: str, content_type: str, mode: str) -> None:
    data = _encoded(fmt, mode)
    assert matches_declared_type(data[:8192], content_type)

    rendered = render_photo(data, display_max=1920, thumbnail_max=64)

    display = Image.open(io.BytesIO(rendered.display))
    assert display.format == "JPEG"
    assert dict(display.getexif()) == {}
    assert b"PhoneMaker" not in rendered.display
    assert max(Image.open(io.BytesIO(rendered.thumbnail)).size) == 64
    if fmt != "PNG":
        assert display.size == (100, 300)


def test_large_photo_scaled_down() -> None:
    output = io.BytesIO()
    Image.new("RGB", (4000, 3000), "blue").save(output, "JPEG")

    rendered = render_photo(output.getvalue(), display_max=1920, thumbnail_max=320)

    assert Image.open(io.BytesIO(rendered.display)).size == (1920, 1440)
    assert Image.open(io.BytesIO(rendered.thumbnail)).size == (320, 240)


@pytest.mark.parametrize("data", [b"", b"\xff\xd8\xff\xe0garbage", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40])
def test_undecodable_rejected(data: bytes) -> None:
    with pytest.raises(UndecodablePhoto):
        render_photo(data, display_max=100, thumbnail_max=10)


def test_truncated_jpeg_rejected() -> None:
    output = io.BytesIO()
    Image.new("RGB", (500, 500), "red").save(output, "JPEG")

    with pytest.raises(UndecodablePhoto):
        render_photo(output.getvalue()[:300], display_max=100, thumbnail_max=10)


def test_pixel_bomb_rejected() -> None:
    output = io.BytesIO()
    Image.new("1", (12000, 12000)).save(output, "PNG")

    with pytest.raises(UndecodablePhoto):
        render_photo(output.getvalue(), display_max=100, thumbnail_max=10)


@pytest.mark.parametrize(
    ("prefix", "content_type", "expected"),
    [
        (b"#!AMR\n" + b"\x00" * 20, "audio/amr", True),
        (b"ID3\x03\x00" + b"\x00" * 20, "audio/mpeg", True),
        (b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00M4A mp42isom" + b"\x00" * 8, "audio/x-m4a", True),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + b"\x00" * 8, "video/quicktime", True),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + b"\x00" * 8, "video/mp4", False),
        (b"#!AMR\n" + b"\x00" * 20, "image/jpeg", False),
        (b"plain text", "audio/aac", False),
    ],
)
def test_first_bytes_match_declared_type(prefix: bytes, content_type: str, expected: bool) -> None:
    assert matches_declared_type(prefix, content_type) is expected


def test_same_pixels_hash_alike_whatever_the_metadata() -> None:
    with_exif = render_photo(_encoded("JPEG"), display_max=1920, thumbnail_max=320)
    other = render_photo(_encoded("PNG", mode="RGBA"), display_max=1920, thumbnail_max=320)

    again = render_photo(_encoded("JPEG"), display_max=1920, thumbnail_max=320)

    assert again.content_hash == with_exif.content_hash
    assert len(with_exif.content_hash) == 64
    assert other.content_hash != with_exif.content_hash
