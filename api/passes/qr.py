"""QR images of pass codes, drawn by segno."""

from __future__ import annotations

import io

import segno

# Level M restores about 15% damaged codewords (scratches, glare on a phone screen) and keeps
# a 185-character code at version 8 (49x49 modules).
ERROR_CORRECTION = "m"
MIN_SCALE = 1
MAX_SCALE = 40
DEFAULT_SCALE = 8


def _qr(code: str) -> segno.QRCode:
    # boost_error=False keeps the symbol at the smallest version for level M.
    return segno.make_qr(code, error=ERROR_CORRECTION, boost_error=False)


def svg(code: str, *, scale: int = DEFAULT_SCALE) -> str:
    """Return the QR code as a standalone SVG document without an XML declaration, scale units per module."""
    buffer = io.BytesIO()
    _qr(code).save(buffer, kind="svg", scale=scale, xmldecl=False, svgns=True, nl=False, title="courier pass")
    return buffer.getvalue().decode("utf-8")


def png_data_uri(code: str, *, scale: int = DEFAULT_SCALE) -> str:
    """Return the QR code as a ``data:image/png;base64,...`` URI, scale pixels per module."""
    return _qr(code).png_data_uri(scale=scale)
