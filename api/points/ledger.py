"""Reading the points ledger: balances, totals and entry lists, and locking a courier's account.

The ledger is append-only, so every figure here is a sum over its entries.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tortoise.functions import Sum

from api.auth.principal import Principal, require_principal
from api.errors import Forbidden, NotFound
from api.models.identity import Role, User
from api.models.points import LedgerEntry, LedgerKind

MAX_PAGE = 200


@dataclass(frozen=True)
class AccountSummary:
    courier_id: uuid.UUID
    balance: int
    awarded: int
    # Points taken back from revoked awards, as a positive number.
    revoked: int
    # Net sum of adjustments not tied to a report (signed).
    adjusted: int
    # Points paid out, as a positive number.
    paid_out: int


async def balance_of(courier_id: uuid.UUID) -> int:
    row = await LedgerEntry.filter(courier_id=courier_id).annotate(total=Sum("amount")).first().values("total")
    return int(row["total"] or 0) if row else 0


async def summary_of(courier_id: uuid.UUID) -> AccountSummary:
    by_kind = {
        row["kind"]: int(row["total"] or 0)
        for row in await LedgerEntry.filter(courier_id=courier_id)
        .annotate(total=Sum("amount"))
        .group_by("kind")
        .values("kind", "total")
    }
    revoked_row = (
        await LedgerEntry.filter(courier_id=courier_id, kind=LedgerKind.ADJUSTMENT, report_id__not_isnull=True)
        .annotate(total=Sum("amount"))
        .first()
        .values("total")
    )
    revoked = -int(revoked_row["total"] or 0) if revoked_row else 0
    adjustments = by_kind.get(LedgerKind.ADJUSTMENT, 0)
    return AccountSummary(
        courier_id=courier_id,
        balance=sum(by_kind.values()),
        awarded=by_kind.get(LedgerKind.AWARD, 0),
        revoked=revoked,
        adjusted=adjustments + revoked,
        paid_out=-by_kind.get(LedgerKind.PAYOUT, 0),
    )


async def lock_courier(courier_id: uuid.UUID, jurisdiction_id: int) -> User | None:
    """Lock a courier's account row until the transaction ends, so balance checks do not race.

    On PostgreSQL this is SELECT ... FOR NO KEY UPDATE. SQLite ignores it, but
    Tortoise runs the transactions of one SQLite connection one at a time.
    """
    return await (
        User.filter(id=courier_id, jurisdiction_id=jurisdiction_id, role=Role.COURIER)
        .select_for_update(no_key=True)
        .first()
    )


async def courier_in_reach(actor: Principal | None, courier_id: uuid.UUID | None) -> uuid.UUID:
    """The courier whose points the caller may read: a courier only themself, an admin any courier of the jurisdiction.

    Without a courier id a courier means themself. Anything else is NOT_FOUND.
    """
    principal = require_principal(actor)
    if principal.role is Role.COURIER:
        if courier_id is not None and courier_id != principal.user_id:
            raise NotFound()
        return principal.user_id
    if principal.role is not Role.ADMIN:
        raise Forbidden()
    if courier_id is None:
        raise NotFound()
    exists = await User.exists(id=courier_id, jurisdiction_id=principal.jurisdiction_id, role=Role.COURIER)
    if not exists:
        raise NotFound()
    return courier_id


async def entries_of(
    courier_id: uuid.UUID, *, kind: LedgerKind | None = None, first: int = 50, before: int | None = None
) -> list[LedgerEntry]:
    """A courier's ledger entries, newest first; `before` is the id of the last entry already seen."""
    query = LedgerEntry.filter(courier_id=courier_id)
    if kind is not None:
        query = query.filter(kind=kind)
    if before is not None:
        query = query.filter(id__lt=before)
    return await query.order_by("-id").limit(max(1, min(first, MAX_PAGE)))
