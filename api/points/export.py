"""CSV export for the finance office: each courier's awards and payouts in a period.

One row per courier with any ledger entry in the period, with the period's
totals and the balance at the period's end. The file contains real names,
because the finance office pays people by name, and every export is
written to the audit trail.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from typing import TextIO

from tortoise.functions import Sum

from api import audit
from api.errors import ValidationFailed
from api.models.identity import CourierProfile, User
from api.models.organisation import Jurisdiction
from api.models.points import LedgerEntry, LedgerKind
from api.points.periods import Period, parse_period

logger = logging.getLogger(__name__)

COLUMNS = [
    "courier_id",
    "real_name",
    "company",
    "awarded",
    "revoked",
    "adjusted",
    "paid_out",
    "net_change",
    "closing_balance",
]


@dataclass
class _Totals:
    awarded: int = 0
    revoked: int = 0
    adjusted: int = 0
    paid_out: int = 0

    @property
    def net_change(self) -> int:
        return self.awarded - self.revoked + self.adjusted - self.paid_out


def _spreadsheet_safe(text: str) -> str:
    """Keep a spreadsheet from reading a text cell as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def _period_totals(jurisdiction_id: int, period: Period) -> dict:
    rows = await (
        LedgerEntry.filter(
            jurisdiction_id=jurisdiction_id, created_at__gte=period.starts_at, created_at__lt=period.ends_at
        )
        .annotate(total=Sum("amount"))
        .group_by("courier_id", "kind", "report_id")
        .values("courier_id", "kind", "report_id", "total")
    )
    totals: dict = {}
    for row in rows:
        entry = totals.setdefault(row["courier_id"], _Totals())
        amount = int(row["total"] or 0)
        if row["kind"] is LedgerKind.AWARD:
            entry.awarded += amount
        elif row["kind"] is LedgerKind.PAYOUT:
            entry.paid_out -= amount
        elif row["report_id"] is not None:
            entry.revoked -= amount
        else:
            entry.adjusted += amount
    return totals


async def export_period(jurisdiction_code: str, period_text: str, output: TextIO) -> int:
    """Write the period's CSV for a jurisdiction and return the number of courier rows."""
    jurisdiction = await Jurisdiction.get_or_none(code=jurisdiction_code)
    if jurisdiction is None:
        raise ValidationFailed.single("jurisdiction", "JURISDICTION_UNKNOWN")
    period = parse_period(period_text, jurisdiction.timezone)

    totals = await _period_totals(jurisdiction.id, period)
    courier_ids = list(totals)
    closing = {
        row["courier_id"]: int(row["total"] or 0)
        for row in await LedgerEntry.filter(courier_id__in=courier_ids, created_at__lt=period.ends_at)
        .annotate(total=Sum("amount"))
        .group_by("courier_id")
        .values("courier_id", "total")
    }
    names = {user.id: user.real_name for user in await User.filter(id__in=courier_ids)}
    companies = {
        profile.user_id: profile.company.name_zh
        for profile in await CourierProfile.filter(user_id__in=courier_ids).select_related("company")
    }

    writer = csv.writer(output)
    writer.writerow(COLUMNS)
    ordered = sorted(courier_ids, key=lambda courier_id: (names.get(courier_id, ""), str(courier_id)))
    for courier_id in ordered:
        row_totals = totals[courier_id]
        writer.writerow([
            str(courier_id),
            _spreadsheet_safe(names.get(courier_id, "")),
            _spreadsheet_safe(companies.get(courier_id, "")),
            row_totals.awarded,
            row_totals.revoked,
            row_totals.adjusted,
            row_totals.paid_out,
            row_totals.net_change,
            closing.get(courier_id, 0),
        ])

    await audit.record(
        jurisdiction_id=jurisdiction.id,
        actor_id=None,
        action="points.export",
        target_type="period",
        target_id=period.label,
        detail={"rows": len(ordered)},
    )
    logger.info("points exported", extra={"jurisdiction": jurisdiction.code, "period": period.label, "rows": len(ordered)})
    return len(ordered)
