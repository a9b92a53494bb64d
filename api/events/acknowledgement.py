"""Emergency acknowledgements: a department confirms it sent help, with an ETA the courier sees.

The time from submission to the first acknowledgement is the response time
shown in statistics; the golden time for stroke and heat stroke is 4 minutes
and 10 minutes the limit.
"""

from __future__ import annotations

import logging
import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api.auth.principal import Principal, require_role
from api.errors import FieldProblem, NotFound, ValidationFailed
from api.events import messages as _messages  # noqa: F401 - registers the message keys
from api.reports import messages as _report_messages  # noqa: F401 - COMMENT_TOO_LONG
from api.models.catalogue import Priority
from api.models.events import EmergencyAcknowledgement
from api.models.identity import Role
from api.models.reports import TimelineKind
from api.reports import timeline

logger = logging.getLogger(__name__)

GOLDEN_SECONDS = 4 * 60
LIMIT_SECONDS = 10 * 60
MAX_ETA_MINUTES = 240
MAX_COMMENT_LENGTH = 500
MAX_PERIOD = timedelta(days=366)


async def acknowledge(
    principal: Principal | None, report_id: uuid.UUID, *, eta_minutes: int, comment: str = ""
) -> EmergencyAcknowledgement:
    """Record that the caller's department dispatched help to an emergency report it may see."""
    from api.reports.access import get_visible_report

    staff = require_role(principal, Role.DEPARTMENT_STAFF)
    problems = []
    if not 1 <= eta_minutes <= MAX_ETA_MINUTES:
        problems.append(FieldProblem("etaMinutes", "ETA_MINUTES_INVALID"))
    comment = comment.strip()
    if len(comment) > MAX_COMMENT_LENGTH:
        problems.append(FieldProblem("comment", "COMMENT_TOO_LONG", {"max": MAX_COMMENT_LENGTH}))
    if problems:
        raise ValidationFailed(problems)

    async with in_transaction():
        report = await get_visible_report(staff, report_id, for_update=True)
        await report.fetch_related("category")
        if report.category.priority is not Priority.EMERGENCY:
            raise ValidationFailed.single("reportId", "REPORT_NOT_EMERGENCY")
        if await EmergencyAcknowledgement.exists(report_id=report.id, department_id=staff.department_id):
            raise ValidationFailed.single("reportId", "EMERGENCY_ALREADY_ACKNOWLEDGED")

        now = datetime.now(timezone.utc)
        response_seconds = max(0, int((now - report.created_at).total_seconds()))
        try:
            async with in_transaction():
                acknowledgement = await EmergencyAcknowledgement.create(
                    report_id=report.id, jurisdiction_id=report.jurisdiction_id, department_id=staff.department_id,
                    actor_id=staff.user_id, eta_minutes=eta_minutes, comment=comment,
                    submitted_at=report.created_at, acknowledged_at=now, response_seconds=response_seconds,
                )
        except IntegrityError as error:
            raise ValidationFailed.single("reportId", "EMERGENCY_ALREADY_ACKNOWLEDGED") from error
        await timeline.record(
            report, TimelineKind.ACKNOWLEDGED, actor_id=staff.user_id, department_id=staff.department_id,
            comment=comment, visible_to_reporter=True,
            detail={"eta_minutes": eta_minutes, "response_seconds": response_seconds},
        )
    logger.info(
        "emergency acknowledged",
        extra={"report_id": str(report.id), "department_id": staff.department_id,
               "response_seconds": response_seconds, "eta_minutes": eta_minutes},
    )
    return acknowledgement


@dataclass(frozen=True)
class ResponseStatistics:
    since: datetime
    until: datetime
    acknowledged: int
    median_seconds: int | None
    p90_seconds: int | None
    average_seconds: int | None
    slowest_seconds: int | None
    within_golden_time: int
    within_limit: int


def _percentile(ordered: list[int], fraction: float) -> int:
    """Nearest-rank percentile of an ascending list."""
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


async def response_statistics(
    principal: Principal | None, *, since: datetime, until: datetime
) -> ResponseStatistics:
    """Response times of first acknowledgements of emergencies submitted in [since, until).

    Admins see their jurisdiction, department staff their own department's acknowledgements.
    """
    caller = require_role(principal, Role.ADMIN, Role.DEPARTMENT_STAFF)
    if since.tzinfo is None or until.tzinfo is None or not since < until or until - since > MAX_PERIOD:
        raise ValidationFailed.single("since", "STATISTICS_PERIOD_INVALID")

    query = EmergencyAcknowledgement.filter(
        jurisdiction_id=caller.jurisdiction_id, submitted_at__gte=since, submitted_at__lt=until
    )
    if caller.role is Role.DEPARTMENT_STAFF:
        query = query.filter(department_id=caller.department_id)
    first_by_report: dict[uuid.UUID, int] = {}
    for report_id, seconds in await query.values_list("report_id", "response_seconds"):
        first_by_report[report_id] = min(seconds, first_by_report.get(report_id, seconds))
    times = sorted(first_by_report.values())
    if not times:
        return ResponseStatistics(since, until, 0, None, None, None, None, 0, 0)
    return ResponseStatistics(
        since=since,
        until=until,
        acknowledged=len(times),
        median_seconds=_percentile(times, 0.5),
        p90_seconds=_percentile(times, 0.9),
        average_seconds=round(sum(times) / len(times)),
        slowest_seconds=times[-1],
        within_golden_time=sum(1 for t in times if t <= GOLDEN_SECONDS),
        within_limit=sum(1 for t in times if t <= LIMIT_SECONDS),
    )
