"""Object keys: unguessable, namespaced by jurisdiction and upload date (UTC)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

UPLOAD_PREFIX = "uploads/"
PROCESSED_PREFIX = "media/"


def upload_key(jurisdiction_id: int, now: datetime | None = None) -> str:
    """Key of an original upload. 24 random bytes make it unguessable."""
    now = now or datetime.now(UTC)
    return f"{UPLOAD_PREFIX}{jurisdiction_id}/{now:%Y/%m/%d}/{secrets.token_urlsafe(24)}"


def processed_key(upload: str, name: str) -> str:
    """Key of a processed version, beside the others of the same upload under the processed prefix."""
    if not upload.startswith(UPLOAD_PREFIX):
        raise ValueError(f"not an upload key: {upload!r}")
    return f"{PROCESSED_PREFIX}{upload.removeprefix(UPLOAD_PREFIX)}/{name}"
