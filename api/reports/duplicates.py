"""Possible duplicates: an open report of the same category nearby and recent, confirmed or dismissed by staff."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta, timezone

from tortoise.transactions import in_transaction

from api.auth.principal import Principal, require_principal
from api.config import get_settings
from api.errors import NotFound, ValidationFailed
from api.geo.coordinates import LatLon, degrees_box, distance_m
from api.models.catalogue import Category
from api.models.reports import DuplicateLink, DuplicateLinkStatus, Report, TimelineKind
from api.reports import access, timeline, workflow

logger = logging.getLogger(__name__)

# Links per new report; the nearest candidates win.
MAX_LINKS = 5
# Candidates read from the database before the exact distance check.
MAX_CANDIDATES = 200


async def link_possible_duplicates(report: Report, category: Category) -> list[DuplicateLink]:
    """Link ``report`` to open reports of its category within the radius and time window.

    Call inside the transaction that created or re-categorised the report.
    """
    radius = category.duplicate_radius_m
    if radius <= 0:
        return []
    created_at = report.created_at or datetime.now(timezone.utc)
    window_start = created_at - timedelta(hours=get_settings().report_duplicate_window_hours)
    center = LatLon(report.latitude, report.longitude)
    min_lat, max_lat, min_lon, max_lon = degrees_box(center, radius)

    candidates = await (
        Report.filter(
            jurisdiction_id=report.jurisdiction_id,
            category_id=category.id,
            status__in=list(workflow.OPEN_STATUSES),
            created_at__gte=window_start,
            created_at__lte=created_at,
            latitude__gte=min_lat,
            latitude__lte=max_lat,
            longitude__gte=min_lon,
            longitude__lte=max_lon,
        )
        .exclude(id=report.id)
        .order_by("-created_at")
        .limit(MAX_CANDIDATES)
        .only("id", "latitude", "longitude")
    )
    already = set(await DuplicateLink.filter(report_id=report.id).values_list("original_id", flat=True))
    nearby = sorted(
        (distance_m(center, LatLon(c.latitude, c.longitude)), str(c.id), c)
        for c in candidates
        if c.id not in already
    )
    links = []
    for metres, _, original in nearby[:MAX_LINKS]:
        if metres > radius:
            break
        link = await DuplicateLink.create(report=report, original_id=original.id, distance_m=round(metres, 1))
        await timeline.record(
            report, TimelineKind.DUPLICATE_SUSPECTED, actor_id=None, visible_to_reporter=False,
            detail={"original_id": str(original.id), "distance_m": link.distance_m, "link_id": link.id},
        )
        links.append(link)
    if links:
        logger.info("possible duplicates linked", extra={"report_id": str(report.id), "links": len(links)})
    return links


async def decide(principal: Principal | None, link_id: int, *, confirm: bool, comment: str = "") -> DuplicateLink:
    """Confirm (the report becomes DUPLICATE of the original) or dismiss a possible-duplicate link."""
    principal = require_principal(principal)
    async with in_transaction():
        link = await DuplicateLink.get_or_none(id=link_id)
        if link is None:
            raise NotFound()
        report = await access.get_visible_report(principal, link.report_id, for_update=True)
        await access.require_owner_or_admin(principal, report)
        if link.status is not DuplicateLinkStatus.POSSIBLE:
            raise ValidationFailed.single("linkId", "DUPLICATE_LINK_DECIDED")
        if confirm:
            workflow.check("mark_duplicate", report.status)

        link.status = DuplicateLinkStatus.CONFIRMED if confirm else DuplicateLinkStatus.DISMISSED
        link.decided_by_id = principal.user_id
        link.decided_at = datetime.now(timezone.utc)
        await link.save(update_fields=["status", "decided_by_id", "decided_at", "updated_at"])

        if confirm:
            previous = report.status
            report.status = workflow.target("mark_duplicate")
            report.duplicate_of_id = link.original_id
            report.due_at = None
            await report.save(update_fields=["status", "duplicate_of_id", "due_at", "updated_at"])
            await timeline.record(
                report, TimelineKind.DUPLICATE_CONFIRMED, actor_id=principal.user_id,
                department_id=principal.department_id, comment=comment, from_status=previous,
                to_status=report.status, detail={"original_id": str(link.original_id), "link_id": link.id},
            )
        else:
            await timeline.record(
                report, TimelineKind.DUPLICATE_DISMISSED, actor_id=principal.user_id,
                department_id=principal.department_id, comment=comment, visible_to_reporter=False,
                detail={"original_id": str(link.original_id), "link_id": link.id},
            )
    logger.info(
        "possible duplicate decided",
        extra={"report_id": str(link.report_id), "link_id": link.id, "confirmed": confirm},
    )
    return link


async def links_of(report_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[DuplicateLink]]:
    """Duplicate links of several reports, for a batch loader."""
    grouped: dict[uuid.UUID, list[DuplicateLink]] = {report_id: [] for report_id in report_ids}
    for link in await DuplicateLink.filter(report_id__in=report_ids).order_by("distance_m", "id"):
        grouped[link.report_id].append(link)
    return grouped
