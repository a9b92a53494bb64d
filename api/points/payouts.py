"""Payouts and manual adjustments: admin entries that move a courier's balance.

Neither may take a balance below zero. The courier's account row is locked
while the balance is checked and the entry written, so concurrent payouts
cannot both spend the same points.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timezone

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api import audit
from api.auth.principal import Principal, require_role
from api.config import get_settings
from api.errors import FieldProblem, NotFound, ValidationFailed
from api.models.identity import Role
from api.models.notifications import NotificationKind
from api.models.points import LedgerEntry, LedgerKind
from api.notifications.service import notify
from api.points.ledger import balance_of, lock_courier
from api.points.verification import clean_reason

logger = logging.getLogger(__name__)

MAX_REFERENCE_LENGTH = 128


def _is_whole_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


async def record_payout(
    actor: Principal | None,
    courier_id: uuid.UUID,
    *,
    amount: int,
    reference: str,
    note: str = "",
    now: datetime | None = None,
) -> LedgerEntry:
    """Record money paid to a courier against their balance, under a payment reference unique in the jurisdiction."""
    admin = require_role(actor, Role.ADMIN)
    maximum = get_settings().points_max_single_amount
    cleaned_reference = (reference or "").strip()
    problems: list[FieldProblem] = []
    if not _is_whole_number(amount) or not 1 <= amount <= maximum:
        problems.append(FieldProblem("amount", "AMOUNT_INVALID", {"maximum": maximum}))
    if not 1 <= len(cleaned_reference) <= MAX_REFERENCE_LENGTH:
        problems.append(FieldProblem("reference", "REFERENCE_REQUIRED"))
    if len(note or "") > 500:
        problems.append(FieldProblem("note", "NOTE_TOO_LONG"))
    if problems:
        raise ValidationFailed(problems)

    try:
        async with in_transaction():
            courier = await lock_courier(courier_id, admin.jurisdiction_id)
            if courier is None:
                raise NotFound()
            if await LedgerEntry.exists(jurisdiction_id=admin.jurisdiction_id, reference=cleaned_reference):
                raise ValidationFailed.single("reference", "REFERENCE_TAKEN")
            balance = await balance_of(courier.id)
            if balance < amount:
                raise ValidationFailed.single("amount", "BALANCE_INSUFFICIENT", balance=balance)

            entry = await LedgerEntry.create(
                jurisdiction_id=admin.jurisdiction_id,
                courier_id=courier.id,
                kind=LedgerKind.PAYOUT,
                amount=-amount,
                actor_id=admin.user_id,
                reason=(note or "").strip(),
                reference=cleaned_reference,
                created_at=now or datetime.now(timezone.utc),
            )
            await notify(
                recipient_id=courier.id,
                kind=NotificationKind.PAYOUT_RECORDED,
                message_key="NOTICE_PAYOUT_RECORDED",
                params={"amount": amount, "reference": cleaned_reference},
                created_at=entry.created_at,
            )
            await audit.record(
                jurisdiction_id=admin.jurisdiction_id,
                actor_id=admin.user_id,
                action="points.payout",
                target_type="user",
                target_id=courier.id,
                detail={"amount": amount, "ledger_entry_id": entry.id},
            )
    except IntegrityError as error:
        # Another payout with the same reference committed between the check and the insert.
        raise ValidationFailed.single("reference", "REFERENCE_TAKEN") from error
    logger.info("payout recorded", extra={"courier_id": str(courier_id), "amount": amount})
    return entry


async def record_adjustment(
    actor: Principal | None,
    courier_id: uuid.UUID,
    *,
    amount: int,
    reason: str,
    now: datetime | None = None,
) -> LedgerEntry:
    """Correct a courier's balance by a signed number of points, with a reason; never below zero."""
    admin = require_role(actor, Role.ADMIN)
    maximum = get_settings().points_max_single_amount
    problems: list[FieldProblem] = []
    if not _is_whole_number(amount) or amount == 0 or abs(amount) > maximum:
        problems.append(FieldProblem("amount", "ADJUSTMENT_AMOUNT_INVALID", {"maximum": maximum}))
    try:
        cleaned = clean_reason(reason)
    except ValidationFailed as error:
        problems.extend(error.problems)
    if problems:
        raise ValidationFailed(problems)

    async with in_transaction():
        courier = await lock_courier(courier_id, admin.jurisdiction_id)
        if courier is None:
            raise NotFound()
        balance = await balance_of(courier.id)
        # A deduction may not take the balance below zero, but a credit is always allowed,
        # also while a revoked award has left the balance negative.
        if amount < 0 and balance + amount < 0:
            raise ValidationFailed.single("amount", "BALANCE_INSUFFICIENT", balance=balance)

        entry = await LedgerEntry.create(
            jurisdiction_id=admin.jurisdiction_id,
            courier_id=courier.id,
            kind=LedgerKind.ADJUSTMENT,
            amount=amount,
            actor_id=admin.user_id,
            reason=cleaned,
            created_at=now or datetime.now(timezone.utc),
        )
        await notify(
            recipient_id=courier.id,
            kind=NotificationKind.POINTS_ADJUSTED,
            message_key="NOTICE_POINTS_ADJUSTED",
            params={"amount": f"{amount:+d}", "reason": cleaned},
            created_at=entry.created_at,
        )
        await audit.record(
            jurisdiction_id=admin.jurisdiction_id,
            actor_id=admin.user_id,
            action="points.adjust",
            target_type="user",
            target_id=courier.id,
            detail={"amount": amount, "reason": cleaned, "ledger_entry_id": entry.id},
        )
    logger.info("points adjusted", extra={"courier_id": str(courier_id), "amount": amount})
    return entry
