"""Deletion of media that was never attached to a report."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from api.models.media import Media
from api.storage import get_storage

logger = logging.getLogger(__name__)

BATCH = 500


async def delete_abandoned(*, max_age_hours: int, now: datetime | None = None) -> int:
    """Delete unattached media created more than ``max_age_hours`` ago, objects first; return how many."""
    cutoff = (now or datetime.now(UTC)) - timedelta(hours=max_age_hours)
    storage = get_storage()
    deleted = 0
    while True:
        batch = await Media.filter(report_id=None, created_at__lt=cutoff).order_by("created_at").limit(BATCH)
        if not batch:
            break
        keys = [key for media in batch for key in (media.object_key, media.display_key, media.thumbnail_key) if key]
        await storage.delete(keys)
        # A row attached since it was read keeps its objects' rows: only still-unattached rows go.
        deleted += await Media.filter(id__in=[media.id for media in batch], report_id=None).delete()
        if len(batch) < BATCH:
            break
    logger.info("abandoned media deleted", extra={"count": deleted, "max_age_hours": max_age_hours})
    return deleted
