"""Routing: category to departments by grants, location to community, and the triage queue.

A report reaches a department through an active ``ReportDispatch`` row: OWNER
rows for the departments granted its category, and a COMMUNITY row for the
community whose area contains it (never for private categories). Re-routing
deactivates rows rather than deleting them, so the history stays.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from tortoise.functions import Count, Max

from api.config import get_settings
from api.geo.communities import CommunityArea, CommunityIndex, Placement
from api.geo.coordinates import LatLon
from api.models.catalogue import Category, Community, Department, Grant, Priority
from api.models.reports import (
    DispatchRole,
    Report,
    ReportDispatch,
    TimelineKind,
    TriageReason,
)
from api.reports import timeline, workflow

logger = logging.getLogger(__name__)

# Per process: jurisdiction id -> (catalogue version, index). The version is re-read for every
# report, so an admin's boundary change reaches every replica with the next report.
_indexes: dict[int, tuple[tuple[object, ...], CommunityIndex]] = {}


def now() -> datetime:
    return datetime.now(timezone.utc)


async def community_index(jurisdiction_id: int) -> CommunityIndex:
    row = (
        await Community.filter(jurisdiction_id=jurisdiction_id)
        .annotate(latest=Max("updated_at"), total=Count("id"))
        .first()
        .values("latest", "total")
    )
    tolerance = get_settings().report_border_snap_metres
    version = (row["latest"], row["total"], tolerance) if row else (None, 0, tolerance)
    cached = _indexes.get(jurisdiction_id)
    if cached is not None and cached[0] == version:
        return cached[1]

    communities = await Community.filter(jurisdiction_id=jurisdiction_id, active=True).only("id", "code", "boundary")
    index = CommunityIndex(
        [CommunityArea(c.id, c.code, c.boundary) for c in communities], snap_tolerance_m=tolerance
    )
    _indexes[jurisdiction_id] = (version, index)
    logger.info("community index built", extra={"jurisdiction_id": jurisdiction_id, "communities": len(index)})
    return index


async def locate(jurisdiction_id: int, point: LatLon) -> Placement:
    index = await community_index(jurisdiction_id)
    return index.locate(point)


async def owner_departments(category: Category) -> list[Department]:
    """Active departments granted the category, in a stable order."""
    department_ids = Grant.filter(category_id=category.id).values_list("department_id", flat=True)
    return await Department.filter(id__in=await department_ids, active=True).order_by("id")


@dataclass(frozen=True)
class RoutingOutcome:
    departments: list[Department]
    triage_reason: TriageReason | None


def triage_reason_for(category: Category, owners: list[Department], placement_outside: bool) -> TriageReason | None:
    """Why a new report must wait for a person, or None when it can be dispatched at once.

    Emergencies outside every community are still dispatched to their owners,
    because a person's safety comes before the location check, and stay
    flagged ``outside_communities`` for the back office.
    """
    if category.is_other:
        return TriageReason.OTHER_CATEGORY
    if not owners:
        return TriageReason.NO_DEPARTMENT
    if placement_outside and category.priority is not Priority.EMERGENCY:
        return TriageReason.OUTSIDE_COMMUNITIES
    return None


async def route_new_report(report: Report, category: Category) -> RoutingOutcome:
    """Dispatch a just-submitted report or put it in the triage queue. Call inside the submission transaction."""
    owners = await owner_departments(category)
    await sync_community_dispatch(report, category)
    reason = triage_reason_for(category, owners, report.outside_communities)
    if reason is not None:
        await move_to_triage(report, reason, actor_id=None)
        return RoutingOutcome([], reason)
    await dispatch(report, category, owners, actor_id=None, action="dispatch")
    return RoutingOutcome(owners, None)


async def dispatch(
    report: Report, category: Category, owners: list[Department], *, actor_id, action: str
) -> None:
    """Give the owners access, start the response clock and record one entry per department."""
    previous = report.status
    workflow.check(action, previous)
    for department in owners:
        await ReportDispatch.create(report=report, department=department, role=DispatchRole.OWNER)

    dispatched_at = now()
    report.status = workflow.target(action)
    report.triage_reason = None
    report.dispatched_at = dispatched_at
    report.accepted_at = None
    report.due_at = dispatched_at + timedelta(minutes=category.response_minutes)
    await report.save(update_fields=["status", "triage_reason", "dispatched_at", "accepted_at", "due_at", "updated_at"])

    for department in owners:
        await timeline.record(
            report, TimelineKind.DISPATCHED, actor_id=actor_id, department_id=department.id,
            from_status=previous, to_status=report.status, detail={"category": category.code},
        )
    logger.info(
        "report dispatched",
        extra={"report_id": str(report.id), "department_ids": [d.id for d in owners], "category": category.code},
    )


async def move_to_triage(
    report: Report, reason: TriageReason, *, actor_id, department_id: int | None = None, comment: str = "",
    action: str = "triage",
) -> None:
    """Take the report away from its owner departments and queue it for the back office."""
    previous = report.status
    workflow.check(action, previous)
    await ReportDispatch.filter(report_id=report.id, role=DispatchRole.OWNER, active=True).update(active=False)

    report.status = workflow.target(action)
    report.triage_reason = reason
    report.due_at = None
    await report.save(update_fields=["status", "triage_reason", "due_at", "updated_at"])

    if reason is TriageReason.HANDED_BACK:
        await timeline.record(
            report, TimelineKind.HANDED_BACK, actor_id=actor_id, department_id=department_id, comment=comment,
            visible_to_reporter=False, from_status=previous, to_status=report.status,
        )
    else:
        await timeline.record(
            report, TimelineKind.TRIAGED, actor_id=actor_id, from_status=previous, to_status=report.status,
            detail={"reason": reason.value},
        )
    logger.info("report queued for triage", extra={"report_id": str(report.id), "reason": reason.value})


async def sync_community_dispatch(report: Report, category: Category) -> None:
    """Keep exactly one active COMMUNITY row when the report lies in a community, none for private categories."""
    active = ReportDispatch.filter(report_id=report.id, role=DispatchRole.COMMUNITY, active=True)
    community_department_id = None
    if report.community_id is not None and not category.private:
        community_department_id = await Community.filter(id=report.community_id).first().values_list(
            "department_id", flat=True
        )

    if community_department_id is None:
        await active.update(active=False)
        return
    await active.exclude(department_id=community_department_id).update(active=False)
    if not await active.filter(department_id=community_department_id).exists():
        await ReportDispatch.create(
            report=report, department_id=community_department_id, role=DispatchRole.COMMUNITY
        )


async def reroute(report: Report, new_category: Category, *, actor_id, comment: str, action: str) -> list[Department]:
    """Move a report to another category and its departments. The old owners lose access at once.

    ``action`` is "classify" for a report in triage and "reroute" for one already dispatched.
    The caller checks that the new category has owners.
    """
    owners = await owner_departments(new_category)
    old_category_id = report.category_id
    old_code = await Category.filter(id=old_category_id).first().values_list("code", flat=True)
    await ReportDispatch.filter(report_id=report.id, role=DispatchRole.OWNER, active=True).update(active=False)

    report.category = new_category
    await report.save(update_fields=["category_id", "updated_at"])
    await sync_community_dispatch(report, new_category)

    kind = TimelineKind.CLASSIFIED if action == "classify" else TimelineKind.REROUTED
    await timeline.record(
        report, kind, actor_id=actor_id, comment=comment, visible_to_reporter=False,
        detail={"from_category": old_code, "to_category": new_category.code},
    )
    await dispatch(report, new_category, owners, actor_id=actor_id, action=action)
    return owners

