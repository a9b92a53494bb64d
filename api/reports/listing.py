"""Report lists: filters and keyset (cursor) pagination, newest first.

A cursor encodes the last row's (created_at, id), so a page costs one indexed
range scan however deep it is, and rows inserted meanwhile never shift a page.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from api.errors import ValidationFailed
from api.models.reports import DispatchRole, Report, ReportDispatch, ReportStatus
from api.reports import workflow

MAX_PAGE = 100
DEFAULT_PAGE = 20


@dataclass(frozen=True)
class ReportFilter:
    statuses: list[ReportStatus] | None = None
    category_id: int | None = None
    community_id: int | None = None
    department_id: int | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    overdue: bool | None = None
    outside_communities: bool | None = None


@dataclass(frozen=True)
class Page:
    reports: list[Report]
    has_next_page: bool

    def cursor_of(self, report: Report) -> str:
        return encode_cursor(report)

    @property
    def end_cursor(self) -> str | None:
        return encode_cursor(self.reports[-1]) if self.reports else None


def encode_cursor(report: Report) -> str:
    raw = f"{report.created_at.astimezone(timezone.utc).isoformat()}|{report.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, _, report_id = base64.urlsafe_b64decode(padded.encode()).decode().partition("|")
        moment = datetime.fromisoformat(created)
        if moment.tzinfo is None:
            raise ValueError("cursor time has no zone")
        return moment, uuid.UUID(report_id)
    except (ValueError, UnicodeDecodeError, binascii.Error) as error:
        raise ValidationFailed.single("after", "CURSOR_INVALID") from error


def apply_filter(query: QuerySet[Report], flt: ReportFilter, *, now: datetime | None = None) -> QuerySet[Report]:
    if flt.created_from and flt.created_to and flt.created_from >= flt.created_to:
        raise ValidationFailed.single("filter.createdFrom", "TIME_RANGE_INVALID")
    if flt.statuses:
        query = query.filter(status__in=list(flt.statuses))
    if flt.category_id is not None:
        query = query.filter(category_id=flt.category_id)
    if flt.community_id is not None:
        query = query.filter(community_id=flt.community_id)
    if flt.department_id is not None:
        owned = ReportDispatch.filter(department_id=flt.department_id, role=DispatchRole.OWNER, active=True)
        query = query.filter(id__in=Subquery(owned.values("report_id")))
    if flt.created_from is not None:
        query = query.filter(created_at__gte=flt.created_from)
    if flt.created_to is not None:
        query = query.filter(created_at__lt=flt.created_to)
    if flt.outside_communities is not None:
        query = query.filter(outside_communities=flt.outside_communities)
    if flt.overdue is not None:
        moment = now or datetime.now(timezone.utc)
        overdue = Q(status__in=list(workflow.CLOCK_STATUSES), due_at__lt=moment)
        query = query.filter(overdue) if flt.overdue else query.filter(~overdue)
    return query


def check_page_size(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise ValidationFailed.single("first", "PAGE_SIZE_INVALID", max=MAX_PAGE)
    return first


async def page(query: QuerySet[Report], *, first: int, after: str | None) -> Page:
    size = check_page_size(first)
    if after:
        created_at, report_id = decode_cursor(after)
        query = query.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=report_id))
    rows = await query.order_by("-created_at", "-id").limit(size + 1)
    return Page(rows[:size], has_next_page=len(rows) > size)


def is_overdue(report: Report, now: datetime | None = None) -> bool:
    moment = now or datetime.now(timezone.utc)
    return report.status in workflow.CLOCK_STATUSES and report.due_at is not None and report.due_at < moment
