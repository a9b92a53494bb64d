"""Abuse guards: a per-courier daily submission cap.

Report submission calls ``check_daily_cap`` before it writes a report.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timezone

from api.config import get_settings
from api.errors import AppError, ErrorCode
from api.models.identity import User
from api.models.organisation import Jurisdiction
from api.models.reports import Report
from api.points.periods import BEIJING, local_day_bounds

logger = logging.getLogger(__name__)


async def check_daily_cap(courier_id: uuid.UUID, *, now: datetime | None = None) -> None:
    """Raise RATE_LIMITED when the courier already submitted today's maximum of reports.

    The day is the calendar day in the courier's jurisdiction's time zone
    (Beijing time by default) and the maximum is FXX_POINTS_DAILY_REPORT_CAP.
    The error carries message key DAILY_REPORT_CAP_REACHED, the limit, and
    retry_after, the seconds until the next local midnight.

    NOTE: the count and the caller's insert are not atomic, so two submissions
    racing at the cap can both pass. Calling this inside the submission's
    transaction after locking the courier's row makes the cap exact.
    """
    moment = now or datetime.now(timezone.utc)
    limit = get_settings().points_daily_report_cap
    user = await User.get_or_none(id=courier_id).only("id", "jurisdiction_id")
    time_zone = BEIJING
    if user is not None:
        jurisdiction = await Jurisdiction.get_or_none(id=user.jurisdiction_id).only("id", "timezone")
        time_zone = jurisdiction.timezone if jurisdiction else BEIJING

    day_start, day_end = local_day_bounds(moment, time_zone)
    submitted = await Report.filter(
        reporter_id=courier_id, created_at__gte=day_start, created_at__lt=day_end
    ).count()
    if submitted >= limit:
        retry_after = max(1, int((day_end - moment).total_seconds()))
        logger.warning("daily report cap reached", extra={"courier_id": str(courier_id), "limit": limit})
        raise AppError(
            ErrorCode.RATE_LIMITED,
            "DAILY_REPORT_CAP_REACHED",
            reason="DAILY_REPORT_CAP_REACHED",
            retry_after=retry_after,
            limit=limit,
        )


async def reports_sharing_photos(report_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """For each report, the other reports in its jurisdiction with a photo of the same pixels.

    A courier who submits one picture for several reports earns points only
    once it is checked, so the verifier sees these links before awarding.
    """
    from api.models.media import Media

    own = await Media.filter(report_id__in=report_ids, content_hash__not_isnull=True).values(
        "report_id", "content_hash", "jurisdiction_id"
    )
    hashes = {row["content_hash"] for row in own}
    shared = await Media.filter(content_hash__in=hashes, report_id__not_isnull=True).values(
        "report_id", "content_hash", "jurisdiction_id"
    ) if hashes else []

    reports_by_hash: dict[tuple[int, str], set[uuid.UUID]] = {}
    for row in shared:
        reports_by_hash.setdefault((row["jurisdiction_id"], row["content_hash"]), set()).add(row["report_id"])
    result: dict[uuid.UUID, list[uuid.UUID]] = {report_id: [] for report_id in report_ids}
    for row in own:
        others = reports_by_hash.get((row["jurisdiction_id"], row["content_hash"]), set()) - {row["report_id"]}
        merged = set(result[row["report_id"]]) | others
        result[row["report_id"]] = sorted(merged, key=str)
    return result
