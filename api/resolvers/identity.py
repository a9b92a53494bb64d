"""Queries and mutations for registration, login, sessions and account management."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.auth.principal import require_principal, require_role
from api.errors import ValidationFailed
from api.identity import service
from api.models.identity import CourierProfile, Role, User, UserStatus
from api.models.organisation import Company as CompanyModel
from api.models.organisation import Jurisdiction as JurisdictionModel
from api.resolvers.base import context_of, parse_int_id, parse_uuid
from api.schema.common import Company, Jurisdiction, company_type, jurisdiction_type
from api.schema.errors import user_errors
from api.schema.identity import (
    Account,
    AccountPayload,
    AuthTokens,
    CourierPersonalDetails,
    CourierRegisterInput,
    CourierRegisterPayload,
    Me,
    OkPayload,
    StaffCreateInput,
    TokenPayload,
    UserStatus as UserStatusType,
    account_type,
    me_type,
)


def _tokens(session: service.Session) -> AuthTokens:
    return AuthTokens(
        access_token=session.access_token,
        access_token_expires_at=session.access_token_expires_at,
        refresh_token=session.refresh_token,
        refresh_token_expires_at=session.refresh_token_expires_at,
    )


@strawberry.type
class IdentityQuery:
    @strawberry.field(description="The caller's own account.")
    async def me(self, info: Info) -> Me:
        context = context_of(info)
        principal = require_principal(await context.principal())
        user = await User.get(id=principal.user_id)
        return await me_type(user, context)

    @strawberry.field(description="Delivery companies a courier can register with.")
    async def companies(self, info: Info) -> list[Company]:
        language = context_of(info).language
        return [company_type(c, language) for c in await CompanyModel.filter(active=True).order_by("id")]

    @strawberry.field(description="Street offices a courier can register in.")
    async def jurisdictions(self, info: Info) -> list[Jurisdiction]:
        language = context_of(info).language
        return [jurisdiction_type(j, language) for j in await JurisdictionModel.all().order_by("id")]

    @strawberry.field(description="Admin: accounts of the jurisdiction, newest first, optionally by role and status.")
    async def accounts(
        self,
        info: Info,
        role: Role | None = None,
        status: UserStatusType | None = None,
        first: int = 50,
    ) -> list[Account]:
        context = context_of(info)
        admin = require_role(await context.principal(), Role.ADMIN)
        query = User.filter(jurisdiction_id=admin.jurisdiction_id)
        if role is not None:
            query = query.filter(role=role)
        if status is not None:
            query = query.filter(status=status)
        users = await query.order_by("-created_at", "id").limit(max(1, min(first, 200)))
        profiles = {
            p.user_id: p
            for p in await CourierProfile.filter(user_id__in=[u.id for u in users]).select_related("company")
        }
        return [account_type(u, profiles.get(u.id), context) for u in users]

    @strawberry.field(description="Admin: a courier's full real-name details; the read is audited.")
    async def courier_personal_details(self, info: Info, user_id: strawberry.ID) -> CourierPersonalDetails:
        context = context_of(info)
        user, profile, id_number = await service.read_courier_personal_details(
            await context.principal(), parse_uuid(user_id)
        )
        return CourierPersonalDetails(
            id=strawberry.ID(str(user.id)),
            real_name=user.real_name,
            phone=user.phone,
            id_number=id_number,
            company=company_type(profile.company, context.language),
            status=user.status,
        )


async def _status_change(info: Info, user_id: strawberry.ID, action: str, reason: str) -> AccountPayload:
    context = context_of(info)
    try:
        user = await service.change_user_status(await context.principal(), parse_uuid(user_id), action, reason)
    except ValidationFailed as error:
        return AccountPayload(errors=user_errors(error, context.language))
    profile = await CourierProfile.get_or_none(user_id=user.id).select_related("company")
    return AccountPayload(account=account_type(user, profile, context))


@strawberry.type
class IdentityMutation:
    @strawberry.mutation(description="Register as a courier under your real name; the account waits for approval.")
    async def courier_register(self, info: Info, input: CourierRegisterInput) -> CourierRegisterPayload:
        context = context_of(info)
        try:
            user = await service.register_courier(
                real_name=input.real_name,
                phone=input.phone,
                id_number=input.id_number,
                company_code=input.company_code,
                jurisdiction_code=input.jurisdiction_code,
                password=input.password,
            )
        except ValidationFailed as error:
            return CourierRegisterPayload(errors=user_errors(error, context.language))
        return CourierRegisterPayload(account=await me_type(user, context))

    @strawberry.mutation(description="Log in with a phone number or username and a password.")
    async def token_create(self, info: Info, account: str, password: str) -> TokenPayload:
        context = context_of(info)
        session = await service.login(account=account, password=password, client_address=context.client_address)
        return TokenPayload(tokens=_tokens(session), me=await me_type(session.user, context))

    @strawberry.mutation(description="Exchange a refresh token for new tokens; each refresh token works once.")
    async def token_refresh(self, info: Info, refresh_token: str) -> TokenPayload:
        context = context_of(info)
        try:
            session = await service.refresh_session(refresh_token)
        except ValidationFailed as error:
            return TokenPayload(errors=user_errors(error, context.language))
        return TokenPayload(tokens=_tokens(session), me=await me_type(session.user, context))

    @strawberry.mutation(description="Log out: end the session of this refresh token.")
    async def token_revoke(self, info: Info, refresh_token: str) -> OkPayload:
        await service.logout(refresh_token)
        return OkPayload(ok=True)

    @strawberry.mutation(description="Log out everywhere: end every session of the caller.")
    async def tokens_revoke_all(self, info: Info) -> OkPayload:
        await service.logout_everywhere(await context_of(info).principal())
        return OkPayload(ok=True)

    @strawberry.mutation(description="Admin: create a department staff, admin or gatekeeper account.")
    async def staff_create(self, info: Info, input: StaffCreateInput) -> AccountPayload:
        context = context_of(info)
        principal = await context.principal()
        try:
            user = await service.create_staff(
                principal,
                role=Role(input.role.value),
                real_name=input.real_name,
                username=input.username,
                password=input.password,
                department_id=parse_int_id(input.department_id, "departmentId", "DEPARTMENT_UNKNOWN"),
                community_ids=[
                    parse_int_id(value, "communityIds", "COMMUNITY_UNKNOWN") for value in input.community_ids or []
                ],
            )
        except ValidationFailed as error:
            return AccountPayload(errors=user_errors(error, context.language))
        return AccountPayload(account=account_type(user, None, context))

    @strawberry.mutation(description="Admin: approve a pending courier, who may then report.")
    async def user_approve(self, info: Info, user_id: strawberry.ID) -> AccountPayload:
        return await _status_change(info, user_id, "approve", "")

    @strawberry.mutation(description="Admin: reject a pending registration.")
    async def user_reject(self, info: Info, user_id: strawberry.ID, reason: str = "") -> AccountPayload:
        return await _status_change(info, user_id, "reject", reason)

    @strawberry.mutation(description="Admin: suspend an account; its sessions end at once.")
    async def user_suspend(self, info: Info, user_id: strawberry.ID, reason: str = "") -> AccountPayload:
        return await _status_change(info, user_id, "suspend", reason)

    @strawberry.mutation(description="Admin: reactivate a suspended account.")
    async def user_reactivate(self, info: Info, user_id: strawberry.ID) -> AccountPayload:
        return await _status_change(info, user_id, "reactivate", "")


__all__ = ["IdentityQuery", "IdentityMutation", "UserStatus"]
