"""Revoking a courier's passes before they expire, for online checks."""

from __future__ import annotations

import logging
import uuid

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api import audit
from api.auth.principal import Principal, require_role
from api.errors import AppError, ErrorCode, NotFound, ValidationFailed
from api.models.identity import Role, User
from api.models.passes import PassRevocation

logger = logging.getLogger(__name__)

MAX_REASON_LENGTH = 200


async def current_generation(courier_id: uuid.UUID) -> int:
    """Return the courier's pass generation: 0 until the first revocation, then the latest revocation's number."""
    latest = await PassRevocation.filter(courier_id=courier_id).order_by("-generation").first()
    return latest.generation if latest else 0


async def revoke_passes(actor: Principal | None, courier_id: uuid.UUID | None, reason: str = "") -> PassRevocation:
    """Revoke every pass that a courier has now. The next pass the courier fetches is valid again.

    An admin may revoke the passes of any courier in the jurisdiction, and a courier only their own
    (for a lost phone or a leaked screenshot). Another courier's id is NOT_FOUND.
    """
    principal = require_role(actor, Role.ADMIN, Role.COURIER)
    if principal.is_courier:
        if courier_id is not None and courier_id != principal.user_id:
            raise NotFound()
        courier_id = principal.user_id
    elif courier_id is None:
        raise ValidationFailed.single("courierId", "FIELD_REQUIRED")
    reason = reason.strip()
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationFailed.single("reason", "PASS_REVOKE_REASON_TOO_LONG")

    try:
        async with in_transaction():
            courier = await (
                User.filter(id=courier_id, jurisdiction_id=principal.jurisdiction_id, role=Role.COURIER)
                .select_for_update()
                .first()
            )
            if courier is None:
                raise NotFound()
            revocation = await PassRevocation.create(
                jurisdiction_id=courier.jurisdiction_id,
                courier_id=courier.id,
                generation=await current_generation(courier.id) + 1,
                revoked_by_id=principal.user_id,
                reason=reason,
            )
            await audit.record(
                jurisdiction_id=courier.jurisdiction_id,
                actor_id=principal.user_id,
                action="pass.revoke",
                target_type="user",
                target_id=courier.id,
                detail={"generation": revocation.generation, **({"reason": reason} if reason else {})},
            )
    except IntegrityError as error:
        # Another revocation of the same courier committed first (SQLite has no row lock).
        logger.warning("concurrent pass revocation", extra={"courier_id": str(courier_id)})
        raise AppError(ErrorCode.CONFLICT) from error
    logger.info(
        "passes revoked",
        extra={"courier_id": str(courier_id), "generation": revocation.generation, "actor_id": str(principal.user_id)},
    )
    return revocation
