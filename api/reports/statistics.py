"""Back-office statistics: counts by category, department, community and status, response times, overdue."""

from __future__ import annotations

import statistics as stats
from dataclasses import dataclass
from datetime import datetime, timezone

from tortoise.expressions import Subquery
from tortoise.functions import Count

from api.auth.principal import Principal, require_role
from api.models.identity import Role
from api.models.reports import DispatchRole, ReportDispatch
from api.reports import access, listing


@dataclass(frozen=True)
class ReportStatistics:
    total: int
    by_status: dict[str, int]
    by_category: dict[int, int]
    by_department: dict[int, int]
    # None is the count of reports outside every community.
    by_community: dict[int | None, int]
    overdue: int
    median_seconds_to_accept: float | None
    median_seconds_to_resolve: float | None


async def report_statistics(
    principal: Principal | None, *, created_from: datetime | None = None, created_to: datetime | None = None
) -> ReportStatistics:
    """Statistics of the admin's jurisdiction over reports submitted in [created_from, created_to)."""
    admin = require_role(principal, Role.ADMIN)
    base = listing.apply_filter(
        access.visible_reports(admin), listing.ReportFilter(created_from=created_from, created_to=created_to)
    )

    by_status = await _grouped(base, "status")
    by_category = await _grouped(base, "category_id")
    by_community = await _grouped(base, "community_id")
    owned = ReportDispatch.filter(role=DispatchRole.OWNER, active=True, report_id__in=Subquery(base.values("id")))
    by_department = await _grouped(owned, "department_id")
    overdue = await listing.apply_filter(base, listing.ReportFilter(overdue=True), now=datetime.now(timezone.utc)).count()

    # NOTE: medians are computed in Python from one row per report; fine for a street's few thousand
    # reports a year, but a city-wide deployment should use percentile_cont on PostgreSQL.
    accept_times = [
        (accepted - dispatched).total_seconds()
        for dispatched, accepted in await base.filter(
            accepted_at__not_isnull=True, dispatched_at__not_isnull=True
        ).values_list("dispatched_at", "accepted_at")
    ]
    resolve_times = [
        (resolved - created).total_seconds()
        for created, resolved in await base.filter(resolved_at__not_isnull=True).values_list(
            "created_at", "resolved_at"
        )
    ]
    return ReportStatistics(
        total=sum(by_status.values()),
        by_status={str(getattr(k, "value", k)): v for k, v in by_status.items()},
        by_category=by_category,
        by_department=by_department,
        by_community=by_community,
        overdue=overdue,
        median_seconds_to_accept=stats.median(accept_times) if accept_times else None,
        median_seconds_to_resolve=stats.median(resolve_times) if resolve_times else None,
    )


async def _grouped(query, column: str) -> dict:  # type: ignore[no-untyped-def]
    rows = await query.annotate(count=Count("id")).group_by(column).values(column, "count")
    return {row[column]: row["count"] for row in rows}

