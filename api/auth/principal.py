"""The authenticated caller of a request, and the role checks built on it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from api.auth.tokens import decode_access_token
from api.errors import Forbidden, Unauthenticated
from api.models.identity import Role, User, UserStatus


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    role: Role
    jurisdiction_id: int
    status: UserStatus
    department_id: int | None = None
    community_ids: frozenset[int] = field(default_factory=frozenset)
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_courier(self) -> bool:
        return self.role is Role.COURIER


async def authenticate(token: str) -> Principal:
    """Turn a bearer token into a principal, checking the account as it is now.

    The account is read on every request so that suspension, logout-everywhere
    and role changes take effect immediately rather than when the token expires.
    """
    claims = decode_access_token(token)
    user = await User.get_or_none(id=claims.user_id)
    if user is None or user.token_version != claims.token_version:
        raise Unauthenticated("TOKEN_REVOKED")
    if user.status in (UserStatus.SUSPENDED, UserStatus.REJECTED):
        raise Unauthenticated("ACCOUNT_DISABLED")
    community_ids: frozenset[int] = frozenset()
    if user.role is Role.GATEKEEPER:
        community_ids = frozenset(await user.communities.all().values_list("id", flat=True))
    return Principal(
        user_id=user.id,
        role=user.role,
        jurisdiction_id=user.jurisdiction_id,
        status=user.status,
        department_id=user.department_id,
        community_ids=community_ids,
        scopes=frozenset(claims.scopes),
    )


def require_principal(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthenticated()
    return principal


def require_role(principal: Principal | None, *roles: Role) -> Principal:
    principal = require_principal(principal)
    if principal.role not in roles:
        raise Forbidden()
    return principal


def scopes_for(role: Role) -> list[str]:
    """Scopes carried in the access token; the permission layer checks roles and these alike."""
    return {
        Role.COURIER: ["reports:own", "media:own", "points:own", "pass:own"],
        Role.DEPARTMENT_STAFF: ["reports:department"],
        Role.ADMIN: ["reports:jurisdiction", "catalogue:write", "users:write", "points:write"],
        Role.GATEKEEPER: ["pass:verify"],
    }[role]
