"""Who may see and act on which report: the single place these rules live.

- A courier sees only the reports they submitted.
- Department staff see reports with an active dispatch to their department:
  as an owner only while the department still holds a grant of the report's
  category, as a community only for categories that are not private.
- An admin sees every report of their jurisdiction.
- Anyone else (gatekeepers, anonymous callers) sees none.

A report outside the caller's reach raises NotFound, exactly like a missing one.
"""

from __future__ import annotations

import uuid

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from api.auth.principal import Principal, require_principal
from api.errors import Forbidden, NotFound
from api.models.catalogue import Category, Grant
from api.models.identity import Role
from api.models.reports import DispatchRole, Report, ReportDispatch


def visible_reports(principal: Principal) -> QuerySet[Report]:
    """The reports ``principal`` may read, as a queryset to filter and page further."""
    reports = Report.filter(jurisdiction_id=principal.jurisdiction_id)
    if principal.role is Role.ADMIN:
        return reports
    if principal.role is Role.COURIER:
        return reports.filter(reporter_id=principal.user_id)
    if principal.role is Role.DEPARTMENT_STAFF and principal.department_id is not None:
        return reports.filter(_department_reach(principal.department_id, principal.jurisdiction_id))
    return Report.filter(id__in=[])


def _department_reach(department_id: int, jurisdiction_id: int) -> Q:
    # One IN over the department's dispatches, not an OR of two: PostgreSQL turns a single
    # IN into a semi-join that uses the report_id index, while an OR of two IN subqueries
    # scanned all of a department's dispatches for every candidate report (about 460 s for one
    # lookup among 1,000,000 reports, measured with bench/load.py).
    reach = ReportDispatch.filter(department_id=department_id, active=True).filter(
        Q(role=DispatchRole.OWNER, report__category_id__in=Subquery(
            Grant.filter(department_id=department_id).values("category_id")
        ))
        | Q(role=DispatchRole.COMMUNITY, report__category_id__in=Subquery(
            Category.filter(jurisdiction_id=jurisdiction_id, private=False).values("id")
        ))
    )
    return Q(id__in=Subquery(reach.values("report_id")))


def _active_dispatches(department_id: int, role: DispatchRole) -> QuerySet[ReportDispatch]:
    return ReportDispatch.filter(department_id=department_id, role=role, active=True)


async def get_visible_report(principal: Principal | None, report_id: uuid.UUID, *, for_update: bool = False) -> Report:
    """Load one report the caller may read. With ``for_update`` it locks the row inside a transaction."""
    principal = require_principal(principal)
    query = visible_reports(principal).filter(id=report_id)
    if for_update:
        query = query.select_for_update()
    report = await query.first()
    if report is None:
        raise NotFound()
    return report


async def is_owner(principal: Principal, report: Report) -> bool:
    """True when the caller's department holds an active owner dispatch and a grant of the category."""
    if principal.role is not Role.DEPARTMENT_STAFF or principal.department_id is None:
        return False
    owns = await _active_dispatches(principal.department_id, DispatchRole.OWNER).filter(report_id=report.id).exists()
    granted = await Grant.exists(department_id=principal.department_id, category_id=report.category_id)
    return owns and granted


async def require_owner_or_admin(principal: Principal, report: Report) -> None:
    """Workflow actions belong to the owner departments and the admin, not to community viewers."""
    if principal.role is Role.ADMIN:
        return
    if not await is_owner(principal, report):
        raise Forbidden("REPORT_NOT_ACTIONABLE")


def require_staff(principal: Principal | None) -> Principal:
    """Department staff or admin: the roles that work reports."""
    principal = require_principal(principal)
    if principal.role not in (Role.DEPARTMENT_STAFF, Role.ADMIN):
        raise Forbidden()
    return principal


def sees_internal_entries(principal: Principal) -> bool:
    """Internal notes, hand-back reasons and staff identities are for staff and admins, never couriers."""
    return principal.role in (Role.DEPARTMENT_STAFF, Role.ADMIN)
