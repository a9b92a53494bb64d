"""Checks that an upload's first bytes match its declared content type."""

from __future__ import annotations

import filetype

from api.media.limits import ACCEPTED_DETECTIONS

# filetype inspects at most this many leading bytes.
PREFIX_BYTES = 8192


def detected_type(prefix: bytes) -> str | None:
    kind = filetype.guess(prefix)
    return kind.mime if kind is not None else None


def matches_declared_type(prefix: bytes, content_type: str) -> bool:
    detected = detected_type(prefix)
    return detected is not None and detected in ACCEPTED_DETECTIONS.get(content_type, frozenset())
