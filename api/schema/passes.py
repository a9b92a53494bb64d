"""GraphQL types of courier QR passes and their verification at compound gates."""

from __future__ import annotations

import asyncio
from datetime import datetime

import strawberry

from api.errors import ValidationFailed
from api.models.passes import PassVerification as PassVerificationModel
from api.models.passes import PassVerificationResult as PassVerificationResultModel
from api.passes import qr
from api.passes.service import IssuedPass, Verification
from api.pii import mask_name
from api.schema.common import Company, company_type, localised
from api.schema.context import Context
from api.schema.errors import UserError

PassVerificationResult = strawberry.enum(
    PassVerificationResultModel,
    name="PassVerificationResult",
    description="Outcome of a pass check: VALID, or the reason the pass is refused.",
)


def _checked_scale(scale: int) -> int:
    if not qr.MIN_SCALE <= scale <= qr.MAX_SCALE:
        raise ValidationFailed.single("scale", "PASS_QR_SCALE_INVALID")
    return scale


@strawberry.type(description="A courier's current pass: a short-lived signed code and its QR image.")
class CourierPass:
    code: str = strawberry.field(description="The signed pass code that the QR image contains.")
    pass_id: str
    issued_at: datetime
    expires_at: datetime
    refresh_at: datetime = strawberry.field(description="When the client should fetch the next pass.")

    @strawberry.field(description="The QR image as an SVG document, `scale` units per module (1 to 40).")
    async def qr_svg(self, scale: int = qr.DEFAULT_SCALE) -> str:
        return await asyncio.to_thread(qr.svg, self.code, scale=_checked_scale(scale))

    @strawberry.field(
        description="The QR image as a PNG data URI (data:image/png;base64,...), `scale` pixels per module (1 to 40)."
    )
    async def qr_png_data_uri(self, scale: int = qr.DEFAULT_SCALE) -> str:
        return await asyncio.to_thread(qr.png_data_uri, self.code, scale=_checked_scale(scale))


@strawberry.type(description="The community (社区) of the gate where a pass was checked.")
class GateCommunity:
    id: strawberry.ID
    code: str
    name: str


@strawberry.type(description="The courier of a valid pass, as a gatekeeper sees them.")
class PassHolder:
    masked_name: str
    company: Company | None
    # NOTE: couriers have no photo on file yet, so this is always null.
    photo_url: str | None = strawberry.field(default=None, description="The courier's photo, if one is on file.")


@strawberry.type(description="The result of one pass check at a gate.")
class PassVerification:
    id: strawberry.ID
    valid: bool
    result: PassVerificationResult
    message: str = strawberry.field(description="The result in words, for the gatekeeper's screen.")
    courier: PassHolder | None = strawberry.field(description="Only for a valid pass.")
    community: GateCommunity | None
    pass_expires_at: datetime | None = strawberry.field(description="Only for a valid pass.")
    verified_at: datetime


@strawberry.type(description="One entry of the pass verification log.")
class PassVerificationRecord:
    id: strawberry.ID
    result: PassVerificationResult
    gatekeeper_id: strawberry.ID
    community: GateCommunity | None
    courier_id: strawberry.ID | None
    pass_id: str | None
    verified_at: datetime


@strawberry.type
class PassVerifyPayload:
    verification: PassVerification | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PassRevokePayload:
    revoked_at: datetime | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def courier_pass_type(issued: IssuedPass) -> CourierPass:
    return CourierPass(
        code=issued.code,
        pass_id=issued.pass_id,
        issued_at=issued.issued_at,
        expires_at=issued.expires_at,
        refresh_at=issued.refresh_at,
    )


def gate_community_type(community, context: Context) -> GateCommunity | None:  # type: ignore[no-untyped-def]
    if community is None:
        return None
    return GateCommunity(
        id=strawberry.ID(str(community.id)),
        code=community.code,
        name=localised(context.language, community.name_zh, community.name_en),
    )


def pass_verification_type(verification: Verification, context: Context) -> PassVerification:
    holder = None
    if verification.courier is not None:
        profile = verification.profile
        holder = PassHolder(
            masked_name=mask_name(verification.courier.real_name),
            company=company_type(profile.company, context.language) if profile else None,
        )
    valid = verification.result is PassVerificationResultModel.VALID
    return PassVerification(
        id=strawberry.ID(str(verification.record.id)),
        valid=valid,
        result=verification.result,
        message=context.t(f"PASS_{verification.result.value}"),
        courier=holder,
        community=gate_community_type(verification.community, context),
        pass_expires_at=verification.claims.expires_at if valid and verification.claims else None,
        verified_at=verification.record.created_at,
    )


def pass_verification_record_type(record: PassVerificationModel, context: Context) -> PassVerificationRecord:
    return PassVerificationRecord(
        id=strawberry.ID(str(record.id)),
        result=record.result,
        gatekeeper_id=strawberry.ID(str(record.gatekeeper_id)),
        community=gate_community_type(record.community, context),
        courier_id=strawberry.ID(str(record.courier_id)) if record.courier_id else None,
        pass_id=record.pass_id,
        verified_at=record.created_at,
    )
