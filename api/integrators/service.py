"""Integrator clients: creation, secret rotation, revocation and authentication.

A client belongs to one jurisdiction and has scopes (IntegratorScope). Its
secret is shown once and stored as an argon2 hash. An API key, for Open311
clients that send a single ``api_key`` value, is ``<client_id>:<secret>``.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from tortoise.transactions import in_transaction

from api import audit
from api.auth.passwords import hash_password, verify_password
from api.auth.principal import Principal, require_role
from api.errors import FieldProblem, NotFound, Unauthenticated, ValidationFailed
from api.integrators.tokens import decode_client_token
from api.models.catalogue import Category, Department
from api.models.identity import Role
from api.models.integrators import IntegratorClient, IntegratorScope
from api.security import messages as _messages  # noqa: F401 - registers the integrator messages

logger = logging.getLogger(__name__)

MAX_NAME = 100
CLIENT_ID_PREFIX = "fxc_"
SECRET_PREFIX = "fxs_"


@dataclass(frozen=True)
class IntegratorPrincipal:
    """An authenticated integrator client, checked by the same permission layer as users."""

    client_uuid: uuid.UUID
    client_id: str
    jurisdiction_id: int
    scopes: frozenset[str]
    category_ids: frozenset[int]
    department_id: int | None = None


@dataclass(frozen=True)
class IssuedSecret:
    client: IntegratorClient
    secret: str

    @property
    def api_key(self) -> str:
        return f"{self.client.client_id}:{self.secret}"


def _now() -> datetime:
    return datetime.now(timezone.utc)


async def create_client(
    actor: Principal | None,
    *,
    name: str,
    scopes: list[IntegratorScope],
    category_codes: list[str],
    department_code: str | None = None,
) -> IssuedSecret:
    """Create a client in the admin's jurisdiction and return it with its secret, shown only this once."""
    admin = require_role(actor, Role.ADMIN)
    problems: list[FieldProblem] = []
    clean_name = name.strip()
    if not 1 <= len(clean_name) <= MAX_NAME:
        problems.append(FieldProblem("name", "INTEGRATOR_NAME_INVALID"))
    unique_scopes = sorted({scope.value for scope in scopes})
    if not unique_scopes:
        problems.append(FieldProblem("scopes", "INTEGRATOR_SCOPES_REQUIRED"))
    codes = sorted({code.strip() for code in category_codes})
    categories = await Category.filter(jurisdiction_id=admin.jurisdiction_id, code__in=codes)
    if len(categories) != len(codes):
        problems.append(FieldProblem("categoryCodes", "INTEGRATOR_CATEGORY_UNKNOWN"))
    if IntegratorScope.REPORTS_READ.value in unique_scopes and not codes:
        problems.append(FieldProblem("categoryCodes", "INTEGRATOR_CATEGORIES_REQUIRED"))
    department = None
    if department_code is not None:
        department = await Department.get_or_none(jurisdiction_id=admin.jurisdiction_id, code=department_code.strip())
        if department is None:
            problems.append(FieldProblem("departmentCode", "DEPARTMENT_UNKNOWN"))
    if problems:
        raise ValidationFailed(problems)

    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    secret_hash = await hash_password(secret)
    async with in_transaction():
        client = await IntegratorClient.create(
            jurisdiction_id=admin.jurisdiction_id,
            client_id=CLIENT_ID_PREFIX + secrets.token_hex(10),
            name=clean_name,
            secret_hash=secret_hash,
            scopes=unique_scopes,
            department=department,
            created_by_id=admin.user_id,
        )
        if categories:
            await client.categories.add(*categories)
        await audit.record(
            jurisdiction_id=admin.jurisdiction_id,
            actor_id=admin.user_id,
            action="integrator.create",
            target_type="integrator_client",
            target_id=client.id,
            detail={"scopes": unique_scopes, "categories": codes},
        )
    logger.info("integrator client created", extra={"client_id": client.client_id})
    return IssuedSecret(client, secret)


async def _client_in_reach(admin: Principal, client_uuid: uuid.UUID) -> IntegratorClient:
    client = await IntegratorClient.filter(id=client_uuid, jurisdiction_id=admin.jurisdiction_id).select_for_update().first()
    if client is None:
        raise NotFound()
    return client


async def rotate_secret(actor: Principal | None, client_uuid: uuid.UUID) -> IssuedSecret:
    """Replace a client's secret. The old secret and every token issued under it stop working at once."""
    admin = require_role(actor, Role.ADMIN)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    secret_hash = await hash_password(secret)
    async with in_transaction():
        client = await _client_in_reach(admin, client_uuid)
        if client.revoked_at is not None:
            raise ValidationFailed.single("id", "INTEGRATOR_CLIENT_REVOKED")
        client.secret_hash = secret_hash
        client.secret_version += 1
        await client.save(update_fields=["secret_hash", "secret_version", "updated_at"])
        await audit.record(
            jurisdiction_id=admin.jurisdiction_id,
            actor_id=admin.user_id,
            action="integrator.rotate_secret",
            target_type="integrator_client",
            target_id=client.id,
        )
    logger.info("integrator secret rotated", extra={"client_id": client.client_id})
    return IssuedSecret(client, secret)


async def revoke_client(actor: Principal | None, client_uuid: uuid.UUID) -> IntegratorClient:
    """Revoke a client for good: its secret and tokens stop working at once. Revoking twice changes nothing."""
    admin = require_role(actor, Role.ADMIN)
    async with in_transaction():
        client = await _client_in_reach(admin, client_uuid)
        if client.revoked_at is not None:
            return client
        client.revoked_at = _now()
        await client.save(update_fields=["revoked_at", "updated_at"])
        await audit.record(
            jurisdiction_id=admin.jurisdiction_id,
            actor_id=admin.user_id,
            action="integrator.revoke",
            target_type="integrator_client",
            target_id=client.id,
        )
    logger.info("integrator client revoked", extra={"client_id": client.client_id})
    return client


async def list_clients(actor: Principal | None) -> list[IntegratorClient]:
    admin = require_role(actor, Role.ADMIN)
    return await IntegratorClient.filter(jurisdiction_id=admin.jurisdiction_id).order_by("-created_at", "id")


async def _principal_of(client: IntegratorClient) -> IntegratorPrincipal:
    category_ids = await client.categories.all().values_list("id", flat=True)
    return IntegratorPrincipal(
        client_uuid=client.id,
        client_id=client.client_id,
        jurisdiction_id=client.jurisdiction_id,
        scopes=frozenset(client.scopes),
        category_ids=frozenset(category_ids),
        department_id=client.department_id,
    )


async def authenticate_credentials(client_id: str, secret: str) -> IntegratorClient | None:
    """Check a client id and secret. Unknown ids cost the same time as wrong secrets."""
    client = await IntegratorClient.get_or_none(client_id=client_id)
    valid = await verify_password(client.secret_hash if client else None, secret)
    if client is None or not valid or client.revoked_at is not None:
        return None
    await IntegratorClient.filter(id=client.id).update(last_used_at=_now())
    return client


async def principal_from_api_key(api_key: str) -> IntegratorPrincipal:
    """Authenticate an Open311 api_key (``<client_id>:<secret>``); raise UNAUTHENTICATED when invalid."""
    client_id, _, secret = api_key.strip().partition(":")
    client = await authenticate_credentials(client_id, secret) if client_id and secret else None
    if client is None:
        raise Unauthenticated("API_KEY_INVALID")
    return await _principal_of(client)


async def principal_from_token(token: str) -> IntegratorPrincipal:
    """Authenticate a client access token, checking the client as it is now (revoked, rotated)."""
    claims = decode_client_token(token)
    client = await IntegratorClient.get_or_none(client_id=claims.client_id)
    if client is None or client.revoked_at is not None or client.secret_version != claims.secret_version:
        raise Unauthenticated("TOKEN_REVOKED")
    principal = await _principal_of(client)
    # The token may carry fewer scopes than the client holds, never more.
    return IntegratorPrincipal(
        client_uuid=principal.client_uuid,
        client_id=principal.client_id,
        jurisdiction_id=principal.jurisdiction_id,
        scopes=principal.scopes & frozenset(claims.scopes),
        category_ids=principal.category_ids,
        department_id=principal.department_id,
    )
