"""Batch reads for per-request DataLoaders: one query per batch, whatever the page size.

Each function takes a list of keys and returns a list of the same length and order.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from api.models.catalogue import Category, Community, Department
from api.models.identity import CourierProfile, User
from api.models.reports import DispatchRole, ReportDispatch, TimelineEntry


async def categories(ids: list[int]) -> list[Category | None]:
    found = {c.id: c for c in await Category.filter(id__in=ids)}
    return [found.get(i) for i in ids]


async def communities(ids: list[int]) -> list[Community | None]:
    found = {c.id: c for c in await Community.filter(id__in=ids)}
    return [found.get(i) for i in ids]


async def departments(ids: list[int]) -> list[Department | None]:
    found = {d.id: d for d in await Department.filter(id__in=ids)}
    return [found.get(i) for i in ids]


async def owner_departments(report_ids: list[uuid.UUID]) -> list[list[Department]]:
    """Departments with an active owner dispatch, per report, in department id order."""
    grouped: dict[uuid.UUID, list[Department]] = defaultdict(list)
    rows = (
        ReportDispatch.filter(report_id__in=report_ids, role=DispatchRole.OWNER, active=True)
        .select_related("department")
        .order_by("department_id")
    )
    for dispatch in await rows:
        grouped[dispatch.report_id].append(dispatch.department)
    return [grouped[i] for i in report_ids]


def timeline(*, include_internal: bool):  # type: ignore[no-untyped-def]
    async def load(report_ids: list[uuid.UUID]) -> list[list[TimelineEntry]]:
        query = TimelineEntry.filter(report_id__in=report_ids)
        if not include_internal:
            query = query.filter(visible_to_reporter=True)
        grouped: dict[uuid.UUID, list[TimelineEntry]] = defaultdict(list)
        for entry in await query.order_by("created_at", "id"):
            grouped[entry.report_id].append(entry)
        return [grouped[i] for i in report_ids]

    return load


async def people(user_ids: list[uuid.UUID]) -> list[tuple[User, CourierProfile | None] | None]:
    """Accounts with their courier profile (and its company), for masked names and companies."""
    users = {u.id: u for u in await User.filter(id__in=user_ids)}
    profiles = {
        p.user_id: p for p in await CourierProfile.filter(user_id__in=user_ids).select_related("company")
    }
    return [(users[i], profiles.get(i)) if i in users else None for i in user_ids]
