"""Verification of an upload on the storage itself: it exists, its size is allowed, its bytes match its type."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from api.media.limits import limit_for
from api.media.signatures import PREFIX_BYTES, matches_declared_type
from api.models.media import Media, MediaStatus
from api.storage import get_storage

logger = logging.getLogger(__name__)

NOT_UPLOADED = "MEDIA_NOT_UPLOADED"
TOO_LARGE = "MEDIA_TOO_LARGE"
TYPE_MISMATCH = "MEDIA_TYPE_MISMATCH"


async def verify_upload(media: Media) -> str | None:
    """Check one upload and return None when it is fine, else the failure code.

    A missing object is left for the client to upload. An object that is too
    large or whose bytes do not match its declared type is deleted and the media
    marked FAILED, so it can never be processed or served.
    """
    if media.uploaded_at is not None:
        return None
    storage = get_storage()

    info = await storage.head(media.object_key)
    if info is None:
        return NOT_UPLOADED

    failure: str | None = None
    allowed = min(limit_for(media.kind).max_bytes, media.declared_size)
    if info.size > allowed:
        failure = TOO_LARGE
    else:
        prefix = await storage.read_prefix(media.object_key, PREFIX_BYTES)
        if not matches_declared_type(prefix, media.content_type):
            failure = TYPE_MISMATCH

    if failure is not None:
        await storage.delete([media.object_key])
        await Media.filter(id=media.id).update(status=MediaStatus.FAILED, failure_reason=failure)
        media.status = MediaStatus.FAILED
        media.failure_reason = failure
        logger.info(
            "upload rejected and deleted",
            extra={"media_id": str(media.id), "reason": failure, "size": info.size, "declared_type": media.content_type},
        )
        return failure

    now = datetime.now(UTC)
    await Media.filter(id=media.id, uploaded_at=None).update(uploaded_at=now, uploaded_size=info.size)
    media.uploaded_at = now
    media.uploaded_size = info.size
    logger.info("upload verified", extra={"media_id": str(media.id), "size": info.size})
    return None
