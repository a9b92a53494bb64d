"""Who may receive an event: nobody receives an event about a report they could not query.

The department rule is the reports domain's own (``api.reports.access``). It is
evaluated once per event when the event is published, for the few departments
that hold a dispatch of the report, and the result travels with the event.
Each subscriber is then checked in memory by ``can_query``, which applies the
admin and courier rules of ``access.visible_reports`` to that audience.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from api.auth.principal import Principal
from api.models.identity import Role, UserStatus
from api.models.reports import Report, ReportDispatch


@dataclass(frozen=True)
class Audience:
    """Who may query one report, as of the moment the event was published."""

    jurisdiction_id: int
    reporter_id: uuid.UUID | None
    department_ids: frozenset[int]

    def to_json(self) -> dict:
        return {
            "jurisdiction_id": self.jurisdiction_id,
            "reporter_id": str(self.reporter_id) if self.reporter_id else None,
            "department_ids": sorted(self.department_ids),
        }

    @classmethod
    def from_json(cls, data: dict) -> "Audience":
        reporter = data.get("reporter_id")
        return cls(
            jurisdiction_id=int(data["jurisdiction_id"]),
            reporter_id=uuid.UUID(reporter) if reporter else None,
            department_ids=frozenset(int(d) for d in data.get("department_ids", [])),
        )


def department_viewer(department_id: int, jurisdiction_id: int) -> Principal:
    """A stand-in principal for a department, used to ask the reports domain what it may query."""
    return Principal(
        user_id=uuid.UUID(int=0),
        role=Role.DEPARTMENT_STAFF,
        jurisdiction_id=jurisdiction_id,
        status=UserStatus.ACTIVE,
        department_id=department_id,
    )


def jurisdiction_viewer(jurisdiction_id: int) -> Principal:
    """A stand-in principal that may query every report of a jurisdiction."""
    return Principal(
        user_id=uuid.UUID(int=0), role=Role.ADMIN, jurisdiction_id=jurisdiction_id, status=UserStatus.ACTIVE
    )


async def audiences(reports: list[Report]) -> dict[uuid.UUID, Audience]:
    """Compute the audience of each report from the committed dispatch rows and grants."""
    from api.reports import access

    report_ids = [r.id for r in reports]
    candidates: dict[uuid.UUID, set[int]] = {rid: set() for rid in report_ids}
    for report_id, department_id in await ReportDispatch.filter(
        report_id__in=report_ids, active=True
    ).values_list("report_id", "department_id"):
        candidates[report_id].add(department_id)

    result: dict[uuid.UUID, Audience] = {}
    for report in reports:
        allowed = set()
        for department_id in sorted(candidates[report.id]):
            viewer = department_viewer(department_id, report.jurisdiction_id)
            if await access.visible_reports(viewer).filter(id=report.id).exists():
                allowed.add(department_id)
        result[report.id] = Audience(report.jurisdiction_id, report.reporter_id, frozenset(allowed))
    return result


def can_query(principal: Principal, audience: Audience) -> bool:
    """True when ``principal`` may query the report that ``audience`` describes."""
    if principal.jurisdiction_id != audience.jurisdiction_id:
        return False
    if principal.role is Role.ADMIN:
        return True
    if principal.role is Role.COURIER:
        return audience.reporter_id is not None and audience.reporter_id == principal.user_id
    if principal.role is Role.DEPARTMENT_STAFF and principal.department_id is not None:
        return principal.department_id in audience.department_ids
    return False


def may_receive(principal: Principal, audience: Audience, *, visible_to_reporter: bool) -> bool:
    """``can_query`` plus the rule that internal entries (notes, hand-backs) never reach couriers."""
    from api.reports import access

    if not can_query(principal, audience):
        return False
    return visible_to_reporter or access.sees_internal_entries(principal)
