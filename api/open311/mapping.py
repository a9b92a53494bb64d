"""Our categories and reports in GeoReport v2 field names.

Statuses map to the two the spec defines: a report is "open" until it is
resolved, rejected, closed or marked duplicate. Reporter details (name, phone,
account) are never part of a request record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.i18n import Language
from api.models.catalogue import Category, Department
from api.models.reports import DispatchRole, Report, ReportDispatch, ReportStatus
from api.schema.common import localised

CLOSED_STATUSES = frozenset({ReportStatus.RESOLVED, ReportStatus.REJECTED, ReportStatus.CLOSED, ReportStatus.DUPLICATE})
OPEN_STATUSES = frozenset(ReportStatus) - CLOSED_STATUSES


def open311_status(status: ReportStatus) -> str:
    return "closed" if status in CLOSED_STATUSES else "open"


def statuses_for(open311_values: list[str]) -> set[ReportStatus]:
    """Our statuses behind the spec's open and closed; an unknown value raises ValueError."""
    chosen: set[ReportStatus] = set()
    for value in open311_values:
        if value == "open":
            chosen |= OPEN_STATUSES
        elif value == "closed":
            chosen |= CLOSED_STATUSES
        else:
            raise ValueError(value)
    return chosen


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def service_record(category: Category, language: Language) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": localised(language, category.name_zh, category.name_en),
        "description": localised(language, category.name_zh, category.name_en),
        "metadata": False,
        "type": "realtime",
        "keywords": category.gb_code or "",
        "group": category.group,
    }


async def agencies_by_report(reports: list[Report], language: Language) -> dict[Any, str]:
    """Return the names of each report's owner departments, read in one query."""
    dispatches = await ReportDispatch.filter(
        report_id__in=[report.id for report in reports], role=DispatchRole.OWNER, active=True
    ).order_by("department_id")
    departments = {
        department.id: department
        for department in await Department.filter(id__in={d.department_id for d in dispatches})
    }
    names: dict[Any, list[str]] = {}
    for dispatch in dispatches:
        department = departments[dispatch.department_id]
        names.setdefault(dispatch.report_id, []).append(localised(language, department.name_zh, department.name_en))
    return {report_id: ", ".join(values) for report_id, values in names.items()}


def request_record(report: Report, category: Category, agency: str | None, language: Language) -> dict[str, Any]:
    return {
        "service_request_id": str(report.id),
        "status": open311_status(report.status),
        "status_notes": None,
        "service_name": localised(language, category.name_zh, category.name_en),
        "service_code": category.code,
        "description": report.description,
        "agency_responsible": agency,
        "service_notice": None,
        "requested_datetime": _iso(report.created_at),
        "updated_datetime": _iso(report.updated_at),
        "expected_datetime": _iso(report.due_at),
        "address": report.address,
        "address_id": None,
        "zipcode": None,
        # Stored locations are WGS-84, the datum GeoReport v2 uses.
        "lat": report.latitude,
        "long": report.longitude,
        # TODO: media URLs need presigned GETs from the media service; none are listed yet.
        "media_url": None,
    }
