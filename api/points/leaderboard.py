"""Leaderboards per jurisdiction: 丰行少侠 (half-year top 50) and 丰行大侠 (year top 50).

A courier's score in a period is the sum of the awards recorded in it, less
awards that were later revoked (a revoked award never counts, whichever
period the revocation falls in). Ties go to the courier who reached the total
first, that is whose last counted award is earlier, then to the lower ledger
entry id, so the order never depends on the database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from tortoise.expressions import Subquery
from tortoise.functions import Max, Sum

from api import pii
from api.auth.principal import Principal, require_role
from api.models.identity import CourierProfile, Role, User
from api.models.organisation import Jurisdiction
from api.models.points import LedgerEntry, LedgerKind
from api.points.periods import Board, Period, period_containing, period_of

TOP_SIZE = 50


@dataclass(frozen=True)
class Standing:
    rank: int
    courier_id: uuid.UUID
    points: int
    reached_at: datetime


@dataclass(frozen=True)
class Entry:
    rank: int
    courier_id: uuid.UUID
    masked_name: str
    company_code: str | None
    company_zh: str | None
    company_en: str | None
    points: int


@dataclass(frozen=True)
class Leaderboard:
    period: Period
    entries: list[Entry]
    # The calling courier's place, also outside the top. None for admins.
    own: Standing | None
    own_points: int | None


async def standings(jurisdiction_id: int, period: Period) -> list[Standing]:
    """Every courier with counted awards in the period, best first.

    NOTE: the whole ranking of one jurisdiction and period is sorted in Python,
    which suits a street's few hundred couriers. A district-wide board would
    want the rank computed in SQL with a window function.
    """
    revoked_reports = LedgerEntry.filter(kind=LedgerKind.ADJUSTMENT, report_id__not_isnull=True).values("report_id")
    rows = await (
        LedgerEntry.filter(
            jurisdiction_id=jurisdiction_id,
            kind=LedgerKind.AWARD,
            created_at__gte=period.starts_at,
            created_at__lt=period.ends_at,
        )
        .exclude(report_id__in=Subquery(revoked_reports))
        .annotate(total=Sum("amount"), reached_at=Max("created_at"), last_entry_id=Max("id"))
        .group_by("courier_id")
        .values("courier_id", "total", "reached_at", "last_entry_id")
    )
    rows.sort(key=lambda row: (-int(row["total"]), row["reached_at"], row["last_entry_id"]))
    return [
        Standing(rank=position, courier_id=row["courier_id"], points=int(row["total"]), reached_at=row["reached_at"])
        for position, row in enumerate(rows, start=1)
    ]


async def _entries(top: list[Standing]) -> list[Entry]:
    ids = [standing.courier_id for standing in top]
    names = {user.id: user.real_name for user in await User.filter(id__in=ids)}
    profiles = {
        profile.user_id: profile
        for profile in await CourierProfile.filter(user_id__in=ids).select_related("company")
    }
    entries = []
    for standing in top:
        profile = profiles.get(standing.courier_id)
        company = profile.company if profile else None
        entries.append(
            Entry(
                rank=standing.rank,
                courier_id=standing.courier_id,
                masked_name=pii.mask_name(names.get(standing.courier_id, "")),
                company_code=company.code if company else None,
                company_zh=company.name_zh if company else None,
                company_en=company.name_en if company else None,
                points=standing.points,
            )
        )
    return entries


async def leaderboard(
    actor: Principal | None,
    board: Board,
    *,
    year: int | None = None,
    half: int | None = None,
    now: datetime | None = None,
    size: int = TOP_SIZE,
) -> Leaderboard:
    """The board of the caller's jurisdiction for a period.

    Without a year and half the period is the current one. A half without a year means this year's half.
    """
    principal = require_role(actor, Role.COURIER, Role.ADMIN)
    jurisdiction = await Jurisdiction.get(id=principal.jurisdiction_id)
    period = period_containing(board, now or datetime.now(timezone.utc), jurisdiction.timezone)
    if year is not None or half is not None:
        period = period_of(board, year if year is not None else period.year, half, jurisdiction.timezone)

    ranking = await standings(jurisdiction.id, period)
    top = ranking[: max(1, min(size, TOP_SIZE))]
    own: Standing | None = None
    own_points: int | None = None
    if principal.role is Role.COURIER:
        own = next((s for s in ranking if s.courier_id == principal.user_id), None)
        own_points = own.points if own else 0
    return Leaderboard(period=period, entries=await _entries(top), own=own, own_points=own_points)
