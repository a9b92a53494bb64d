"""Processing of verified uploads, off the request path.

A verified upload is processed in a background task of the process that
verified it: photos are rendered in a worker thread (Pillow), then the display
version and thumbnail are stored and the original deleted. Video and audio are
copied to their served key and the original deleted. Media whose task was lost
(a restart) is picked up by ``python -m api.media process-pending``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q

from api.config import get_settings
from api.media.keys import processed_key
from api.media.limits import EXTENSIONS
from api.media.photos import UndecodablePhoto, render_photo
from api.models.media import Media, MediaKind, MediaStatus
from api.storage import get_storage

logger = logging.getLogger(__name__)

# A claim older than this is taken to belong to a worker that died.
CLAIM_TIMEOUT = timedelta(minutes=10)
UNDECODABLE = "UNDECODABLE"

_tasks: set[asyncio.Task[None]] = set()


def schedule(media_id: uuid.UUID) -> None:
    """Start processing in the background; the task is kept referenced until it ends."""
    task = asyncio.get_running_loop().create_task(_process_logged(media_id))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def drain() -> None:
    """Wait for every scheduled task (tests and shutdown)."""
    while _tasks:
        await asyncio.gather(*list(_tasks), return_exceptions=True)


async def _process_logged(media_id: uuid.UUID) -> None:
    try:
        await process(media_id)
    except Exception:  # noqa: BLE001 - a background task has no caller to raise to
        logger.exception("media processing failed", extra={"media_id": str(media_id)})


async def _claim(media_id: uuid.UUID) -> Media | None:
    now = datetime.now(UTC)
    claimed = await Media.filter(
        Q(processing_started_at=None) | Q(processing_started_at__lt=now - CLAIM_TIMEOUT),
        id=media_id,
        status=MediaStatus.PENDING,
        uploaded_at__not_isnull=True,
    ).update(processing_started_at=now)
    if not claimed:
        return None
    return await Media.get(id=media_id)


async def process(media_id: uuid.UUID) -> MediaStatus | None:
    """Process one verified upload; return its new status, or None when another worker has it."""
    media = await _claim(media_id)
    if media is None:
        return None
    if media.kind is MediaKind.PHOTO:
        return await _process_photo(media)
    return await _process_recording(media)


async def _process_photo(media: Media) -> MediaStatus:
    settings = get_settings()
    storage = get_storage()
    original = await storage.get(media.object_key)
    try:
        rendered = await asyncio.to_thread(
            render_photo,
            original,
            display_max=settings.media_display_max_pixels,
            thumbnail_max=settings.media_thumbnail_max_pixels,
        )
    except UndecodablePhoto as error:
        # A photo that cannot be decoded is never kept unprocessed.
        await storage.delete([media.object_key])
        await Media.filter(id=media.id).update(
            status=MediaStatus.FAILED, failure_reason=UNDECODABLE, processed_at=datetime.now(UTC)
        )
        logger.info("photo rejected as undecodable", extra={"media_id": str(media.id), "error": str(error)})
        return MediaStatus.FAILED

    display_key = processed_key(media.object_key, "display.jpg")
    thumbnail_key = processed_key(media.object_key, "thumbnail.jpg")
    await storage.put(display_key, rendered.display, content_type="image/jpeg")
    await storage.put(thumbnail_key, rendered.thumbnail, content_type="image/jpeg")
    # The original may carry GPS, device make and serial, so it is not kept.
    await storage.delete([media.object_key])
    await Media.filter(id=media.id).update(
        status=MediaStatus.READY,
        display_key=display_key,
        thumbnail_key=thumbnail_key,
        content_hash=rendered.content_hash,
        processed_at=datetime.now(UTC),
    )
    logger.info("photo processed", extra={"media_id": str(media.id), "width": rendered.width, "height": rendered.height})
    return MediaStatus.READY


async def _process_recording(media: Media) -> MediaStatus:
    # NOTE: video and audio are served as uploaded, so container metadata (for example an MP4
    # location atom) is not removed; removing it needs a remuxer such as ffmpeg.
    storage = get_storage()
    served_key = processed_key(media.object_key, "original" + EXTENSIONS.get(media.content_type, ""))
    await storage.copy(media.object_key, served_key)
    await storage.delete([media.object_key])
    await Media.filter(id=media.id).update(
        status=MediaStatus.READY, display_key=served_key, processed_at=datetime.now(UTC)
    )
    logger.info("recording stored", extra={"media_id": str(media.id), "kind": media.kind.value})
    return MediaStatus.READY


async def process_pending() -> int:
    """Process every verified upload still pending (after a restart); return how many were handled."""
    ids = await Media.filter(status=MediaStatus.PENDING, uploaded_at__not_isnull=True).values_list("id", flat=True)
    handled = 0
    for media_id in ids:
        if await process(media_id) is not None:
            handled += 1
    return handled
