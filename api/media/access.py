"""Who may read media, and the short-lived URLs they get.

The uploader may read their own media. Anyone else may read media only while
it is attached to a report that they may see (the report visibility rules in
api.reports.access). Nobody gets a URL for an original upload or for media that
is not READY.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from api.auth.principal import Principal
from api.config import get_settings
from api.errors import NotFound
from api.models.media import Media, MediaStatus
from api.storage import get_storage


async def may_read(principal: Principal | None, media: Media) -> bool:
    """Decide whether the caller may read this media. Every media read goes through this check."""
    if principal is None:
        return False
    if media.owner_id == principal.user_id:
        return True
    if media.report_id is None:
        return False
    # Imported here because the reports package imports the media attach module.
    from api.reports.access import visible_reports

    return await visible_reports(principal).filter(id=media.report_id).exists()


async def get_readable(principal: Principal | None, media_id: uuid.UUID) -> Media:
    """Load media the caller may read, or raise NotFound exactly as for a missing id."""
    media = await Media.get_or_none(id=media_id)
    if media is None or not await may_read(principal, media):
        raise NotFound()
    return media


@dataclass(frozen=True)
class MediaUrls:
    display: str | None
    thumbnail: str | None
    expires_at: datetime


async def presigned_urls(media: Media) -> MediaUrls | None:
    """Presigned GET URLs of the processed versions. Call only after ``may_read`` allowed the caller."""
    if media.status is not MediaStatus.READY or media.display_key is None:
        return None
    seconds = get_settings().media_download_url_seconds
    storage = get_storage()
    expires_at = datetime.now(UTC) + timedelta(seconds=seconds)
    display = await storage.presign_get(media.display_key, expires_in=seconds)
    thumbnail = await storage.presign_get(media.thumbnail_key, expires_in=seconds) if media.thumbnail_key else None
    return MediaUrls(display=display, thumbnail=thumbnail, expires_at=expires_at)
