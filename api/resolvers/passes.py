"""Queries and mutations of courier QR passes: show, verify at a gate, revoke, and the verification log."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.errors import ValidationFailed
from api.passes import revocation, service
from api.resolvers.base import context_of, parse_int_id, parse_uuid
from api.schema.errors import user_errors
from api.schema.passes import (
    CourierPass,
    PassRevokePayload,
    PassVerificationRecord,
    PassVerifyPayload,
    courier_pass_type,
    pass_verification_record_type,
    pass_verification_type,
)


@strawberry.type
class PassQuery:
    @strawberry.field(
        description="Courier: a new pass to show at compound gates. It expires after a few minutes; fetch the next at refreshAt."
    )
    async def my_pass(self, info: Info) -> CourierPass:
        issued = await service.issue_pass(await context_of(info).principal())
        return courier_pass_type(issued)

    @strawberry.field(
        description="Admin: the jurisdiction's pass checks, newest first. Gatekeeper: their own checks."
    )
    async def pass_verifications(
        self,
        info: Info,
        courier_id: strawberry.ID | None = None,
        community_id: strawberry.ID | None = None,
        first: int = 50,
    ) -> list[PassVerificationRecord]:
        context = context_of(info)
        records = await service.list_verifications(
            await context.principal(),
            courier_id=parse_uuid(courier_id) if courier_id is not None else None,
            community_id=parse_int_id(community_id, "communityId", "COMMUNITY_UNKNOWN"),
            first=first,
        )
        return [pass_verification_record_type(record, context) for record in records]


@strawberry.type
class PassMutation:
    @strawberry.mutation(
        description="Gatekeeper: check a scanned pass code at a gate of one of your communities. "
        "communityId may be left out by a gatekeeper of a single community. Every check is logged."
    )
    async def pass_verify(
        self, info: Info, code: str, community_id: strawberry.ID | None = None
    ) -> PassVerifyPayload:
        context = context_of(info)
        principal = await context.principal()
        try:
            verification = await service.verify_pass(
                principal, code, parse_int_id(community_id, "communityId", "COMMUNITY_UNKNOWN")
            )
        except ValidationFailed as error:
            return PassVerifyPayload(errors=user_errors(error, context.language))
        return PassVerifyPayload(verification=pass_verification_type(verification, context))

    @strawberry.mutation(
        description="Revoke every pass that a courier has now, for online checks. An admin names the courier; "
        "a courier revokes their own by leaving courierId out."
    )
    async def pass_revoke(
        self, info: Info, courier_id: strawberry.ID | None = None, reason: str = ""
    ) -> PassRevokePayload:
        context = context_of(info)
        principal = await context.principal()
        try:
            revoked = await revocation.revoke_passes(
                principal, parse_uuid(courier_id) if courier_id is not None else None, reason
            )
        except ValidationFailed as error:
            return PassRevokePayload(errors=user_errors(error, context.language))
        return PassRevokePayload(revoked_at=revoked.created_at)
