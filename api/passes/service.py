"""Issuing passes to couriers and verifying them at compound gates."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from tortoise.transactions import in_transaction

import api.passes.messages  # noqa: F401 - registers the pass messages
from api.auth.principal import Principal, require_role
from api.config import get_settings
from api.errors import AppError, ErrorCode, ValidationFailed
from api.models.catalogue import Community
from api.models.identity import CourierProfile, Role, User, UserStatus
from api.models.passes import PassVerification, PassVerificationResult
from api.passes import codes
from api.passes.keys import signing_key, verification_keys
from api.passes.revocation import current_generation
from api.request_context import current_request_id

logger = logging.getLogger(__name__)

Result = PassVerificationResult


def _now() -> datetime:
    """Return the current time. Tests replace this function to move past a pass's expiry."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class IssuedPass:
    code: str
    pass_id: str
    issued_at: datetime
    expires_at: datetime
    # When the client should fetch the next pass: half-way through the lifetime, so a
    # pass on screen is never about to expire while a gatekeeper scans it.
    refresh_at: datetime


async def issue_pass(actor: Principal | None) -> IssuedPass:
    """Sign a new pass for the calling courier, who must be approved and not suspended."""
    principal = require_role(actor, Role.COURIER)
    if principal.status is not UserStatus.ACTIVE:
        raise AppError(ErrorCode.FORBIDDEN, "PASS_COURIER_NOT_ACTIVE")
    user = await User.get(id=principal.user_id)
    generation = await current_generation(user.id)

    settings = get_settings()
    key = signing_key(settings)
    issued_at = _now().replace(microsecond=0)
    lifetime = timedelta(seconds=settings.pass_lifetime_seconds)
    claims = codes.PassClaims(
        key_id=key.key_id,
        pass_id=codes.new_pass_id(),
        courier_id=user.id,
        jurisdiction_id=user.jurisdiction_id,
        account_version=user.token_version,
        generation=generation,
        issued_at=issued_at,
        expires_at=issued_at + lifetime,
    )
    code = codes.encode(claims, key.private_key)
    logger.info("pass issued", extra={"user_id": str(user.id), "pass_id": claims.pass_id})
    return IssuedPass(code, claims.pass_id, claims.issued_at, claims.expires_at, issued_at + lifetime / 2)


@dataclass(frozen=True)
class Verification:
    record: PassVerification
    community: Community | None
    claims: codes.PassClaims | None = None
    # Set only for a valid pass.
    courier: User | None = None
    profile: CourierProfile | None = None

    @property
    def result(self) -> PassVerificationResult:
        return self.record.result


async def _gate_community(gatekeeper: Principal, community_id: int | None) -> tuple[Community | None, bool]:
    """Find the community of the gate and whether the gatekeeper is bound to it.

    Without a community id, a gatekeeper of exactly one community verifies at that community.
    """
    if community_id is None:
        if len(gatekeeper.community_ids) > 1:
            raise ValidationFailed.single("communityId", "PASS_COMMUNITY_REQUIRED")
        if not gatekeeper.community_ids:
            return None, False
        community_id = next(iter(gatekeeper.community_ids))
    community = await Community.get_or_none(id=community_id, jurisdiction_id=gatekeeper.jurisdiction_id)
    return community, community is not None and community.id in gatekeeper.community_ids


def _courier_result(claims: codes.PassClaims, courier: User | None, generation: int) -> Result:
    if courier is None or courier.role is not Role.COURIER:
        return Result.COURIER_NOT_APPROVED
    if courier.status is UserStatus.SUSPENDED:
        return Result.COURIER_SUSPENDED
    if courier.status is not UserStatus.ACTIVE:
        return Result.COURIER_NOT_APPROVED
    # A changed account version means the courier was suspended and reactivated, or logged out everywhere.
    if claims.account_version != courier.token_version or claims.generation != generation:
        return Result.REVOKED
    return Result.VALID


async def verify_pass(actor: Principal | None, code: str, community_id: int | None = None) -> Verification:
    """Check a pass shown at a gate of one of the gatekeeper's communities, and log the check.

    Checks run in order: the gate's community, the code's form and signature, expiry, the
    courier's jurisdiction, then the courier's account as it is now (suspended, not approved,
    revoked). The first failing check is the result. A courier or admin gets FORBIDDEN.
    """
    gatekeeper = require_role(actor, Role.GATEKEEPER)
    community, bound = await _gate_community(gatekeeper, community_id)
    if not bound:
        return await _record(gatekeeper, community, Result.WRONG_JURISDICTION)

    try:
        claims = codes.decode(code, verification_keys())
    except codes.PassCodeRejected as rejected:
        return await _record(gatekeeper, community, rejected.result)
    assert community is not None

    courier = await User.get_or_none(id=claims.courier_id)
    if _now() >= claims.expires_at:
        return await _record(gatekeeper, community, Result.EXPIRED, claims, courier)
    if claims.jurisdiction_id != community.jurisdiction_id:
        return await _record(gatekeeper, community, Result.WRONG_JURISDICTION, claims, courier)
    result = _courier_result(claims, courier, await current_generation(claims.courier_id))
    if result is not Result.VALID:
        return await _record(gatekeeper, community, result, claims, courier)

    profile = await CourierProfile.get_or_none(user_id=claims.courier_id).select_related("company")
    return await _record(gatekeeper, community, Result.VALID, claims, courier, profile)


async def _record(
    gatekeeper: Principal,
    community: Community | None,
    result: Result,
    claims: codes.PassClaims | None = None,
    courier: User | None = None,
    profile: CourierProfile | None = None,
) -> Verification:
    async with in_transaction():
        record = await PassVerification.create(
            jurisdiction_id=gatekeeper.jurisdiction_id,
            gatekeeper_id=gatekeeper.user_id,
            community=community,
            courier=courier,
            pass_id=claims.pass_id if claims else None,
            result=result,
            request_id=current_request_id(),
        )
    log = logger.info if result is Result.VALID else logger.warning
    log(
        "pass verified",
        extra={
            "result": result.value,
            "gatekeeper_id": str(gatekeeper.user_id),
            "community_id": community.id if community else None,
            "courier_id": str(courier.id) if courier else None,
            "pass_id": claims.pass_id if claims else None,
        },
    )
    valid = result is Result.VALID
    return Verification(record, community, claims, courier if valid else None, profile if valid else None)


async def list_verifications(
    actor: Principal | None,
    *,
    courier_id: uuid.UUID | None = None,
    community_id: int | None = None,
    first: int = 50,
) -> list[PassVerification]:
    """List the verification log, newest first: an admin gets the jurisdiction's entries, a gatekeeper only their own."""
    principal = require_role(actor, Role.ADMIN, Role.GATEKEEPER)
    query = PassVerification.filter(jurisdiction_id=principal.jurisdiction_id)
    if principal.role is Role.GATEKEEPER:
        query = query.filter(gatekeeper_id=principal.user_id)
    if courier_id is not None:
        query = query.filter(courier_id=courier_id)
    if community_id is not None:
        query = query.filter(community_id=community_id)
    limit = max(1, min(first, 200))
    return await query.order_by("-created_at", "-id").limit(limit).select_related("community")
