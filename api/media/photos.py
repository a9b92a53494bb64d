"""Photo rendering with Pillow: orientation applied, metadata removed, display version and thumbnail.

Pure and blocking: callers run it in a worker thread.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

pillow_heif.register_heif_opener()

# Far above any phone camera (about 50 megapixels today), low enough to stop decompression bombs.
MAX_PIXELS = 120_000_000
JPEG_QUALITY = 85


class UndecodablePhoto(Exception):
    """The upload is not an image that Pillow can decode."""


@dataclass(frozen=True)
class RenderedPhoto:
    display: bytes
    thumbnail: bytes
    width: int
    height: int
    # SHA-256 of the oriented pixels, so the same picture is recognised whatever its metadata.
    content_hash: str


def _clean_copy(image: Image.Image) -> Image.Image:
    """Return the pixels alone in RGB: no EXIF, XMP, IPTC, comments or other info chunks."""
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    return clean


def _encode(image: Image.Image, max_pixels: int) -> bytes:
    resized = image.copy()
    resized.thumbnail((max_pixels, max_pixels), Image.Resampling.LANCZOS)
    output = io.BytesIO()
    resized.save(output, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return output.getvalue()


def render_photo(data: bytes, *, display_max: int, thumbnail_max: int) -> RenderedPhoto:
    """Apply the EXIF orientation, drop all metadata and encode a display version and a thumbnail as JPEG."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                if opened.width * opened.height > MAX_PIXELS:
                    raise UndecodablePhoto(f"{opened.width}x{opened.height} pixels is above the limit")
                opened.load()
                oriented = ImageOps.exif_transpose(opened)
    except UndecodablePhoto:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning,
            OSError, ValueError, SyntaxError, EOFError) as error:
        raise UndecodablePhoto(str(error)) from error

    clean = _clean_copy(oriented)
    return RenderedPhoto(
        display=_encode(clean, display_max),
        thumbnail=_encode(clean, thumbnail_max),
        width=clean.width,
        height=clean.height,
        content_hash=_pixel_hash(clean),
    )


def _pixel_hash(image: Image.Image) -> str:
    digest = hashlib.sha256(f"{image.mode}:{image.width}x{image.height}:".encode())
    digest.update(image.tobytes())
    return digest.hexdigest()
