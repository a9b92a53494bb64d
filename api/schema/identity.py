"""GraphQL types of accounts and sessions."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from api import pii
from api.models.identity import CourierProfile as CourierProfileModel
from api.models.identity import Role as RoleModel
from api.models.identity import User as UserModel
from api.models.identity import UserStatus as UserStatusModel
from api.schema.common import Company, Jurisdiction, company_type, jurisdiction_type, localised
from api.schema.context import Context
from api.schema.errors import UserError

Role = strawberry.enum(RoleModel, name="Role")
UserStatus = strawberry.enum(UserStatusModel, name="UserStatus")


@strawberry.enum
class StaffRole(Enum):
    DEPARTMENT_STAFF = "DEPARTMENT_STAFF"
    ADMIN = "ADMIN"
    GATEKEEPER = "GATEKEEPER"


@strawberry.type(description="A department as its staff and admins see it.")
class DepartmentRef:
    id: strawberry.ID
    code: str
    name: str


@strawberry.type(description="The caller's own account, with personal details masked.")
class Me:
    id: strawberry.ID
    role: Role
    status: UserStatus
    real_name: str
    phone_masked: str | None
    username: str | None
    jurisdiction: Jurisdiction
    company: Company | None
    department: DepartmentRef | None
    created_at: datetime


@strawberry.type(description="An account as an admin sees it in lists; phone masked, no ID number.")
class Account:
    id: strawberry.ID
    role: Role
    status: UserStatus
    masked_name: str
    phone_masked: str | None
    username: str | None
    company: Company | None
    created_at: datetime


@strawberry.type(description="A courier's full real-name details; every read is audited.")
class CourierPersonalDetails:
    id: strawberry.ID
    real_name: str
    phone: str | None
    id_number: str
    company: Company
    status: UserStatus


@strawberry.type(description="Tokens of a new or refreshed session.")
class AuthTokens:
    access_token: str
    access_token_expires_at: datetime
    refresh_token: str
    refresh_token_expires_at: datetime
    token_type: str = "Bearer"


@strawberry.type
class CourierRegisterPayload:
    account: Me | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class TokenPayload:
    tokens: AuthTokens | None = None
    me: Me | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AccountPayload:
    account: Account | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class OkPayload:
    ok: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CourierRegisterInput:
    real_name: str
    phone: str
    id_number: str = strawberry.field(description="18-character resident ID number (GB 11643).")
    company_code: str
    jurisdiction_code: str
    password: str


@strawberry.input
class StaffCreateInput:
    role: StaffRole
    real_name: str
    username: str
    password: str
    department_id: strawberry.ID | None = None
    community_ids: list[strawberry.ID] | None = None


async def me_type(user: UserModel, context: Context) -> Me:
    await user.fetch_related("jurisdiction", "department")
    profile = await CourierProfileModel.get_or_none(user_id=user.id).select_related("company")
    language = context.language
    department = user.department
    return Me(
        id=strawberry.ID(str(user.id)),
        role=user.role,
        status=user.status,
        real_name=user.real_name,
        phone_masked=pii.mask_phone(user.phone),
        username=user.username,
        jurisdiction=jurisdiction_type(user.jurisdiction, language),
        company=company_type(profile.company, language) if profile else None,
        department=DepartmentRef(
            id=strawberry.ID(str(department.id)),
            code=department.code,
            name=localised(language, department.name_zh, department.name_en),
        ) if department else None,
        created_at=user.created_at,
    )


def account_type(user: UserModel, profile: CourierProfileModel | None, context: Context) -> Account:
    return Account(
        id=strawberry.ID(str(user.id)),
        role=user.role,
        status=user.status,
        masked_name=pii.mask_name(user.real_name),
        phone_masked=pii.mask_phone(user.phone),
        username=user.username,
        company=company_type(profile.company, context.language) if profile else None,
        created_at=user.created_at,
    )
