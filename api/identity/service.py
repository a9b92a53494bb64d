"""Account lifecycle: registration, staff creation, approval, login and sessions."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api import audit, pii
from api.auth.passwords import hash_password, is_weak_password, needs_rehash, verify_password
from api.auth.principal import Principal, require_role, scopes_for
from api.auth.ratelimit import failure_counter
from api.auth.tokens import hash_refresh_token, issue_access_token, new_refresh_token
from api.config import get_settings
from api.errors import AppError, ErrorCode, FieldProblem, NotFound, RateLimited, ValidationFailed
from api.identity.validators import (
    is_valid_username,
    normalise_id_number,
    normalise_phone,
    normalise_real_name,
)
from api.models.catalogue import Community, Department
from api.models.identity import CourierProfile, RefreshToken, Role, User, UserStatus
from api.models.organisation import Company, Jurisdiction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Session:
    user: User
    access_token: str
    access_token_expires_at: datetime
    refresh_token: str
    refresh_token_expires_at: datetime


def _now() -> datetime:
    return datetime.now(timezone.utc)


async def register_courier(
    *,
    real_name: str,
    phone: str,
    id_number: str,
    company_code: str,
    jurisdiction_code: str,
    password: str,
) -> User:
    """Create a PENDING courier after checking every field; nothing is written on failure."""
    problems: list[FieldProblem] = []
    name = normalise_real_name(real_name)
    if name is None:
        problems.append(FieldProblem("realName", "NAME_INVALID"))
    normal_phone = normalise_phone(phone)
    if normal_phone is None:
        problems.append(FieldProblem("phone", "PHONE_INVALID"))
    normal_id = normalise_id_number(id_number)
    if normal_id is None:
        problems.append(FieldProblem("idNumber", "ID_NUMBER_INVALID"))
    if is_weak_password(password, phone=normal_phone):
        problems.append(FieldProblem("password", "PASSWORD_WEAK"))
    company = await Company.get_or_none(code=company_code, active=True)
    if company is None:
        problems.append(FieldProblem("company", "COMPANY_UNKNOWN"))
    jurisdiction = await Jurisdiction.get_or_none(code=jurisdiction_code)
    if jurisdiction is None:
        problems.append(FieldProblem("jurisdiction", "JURISDICTION_UNKNOWN"))
    id_hash = pii.keyed_hash(normal_id) if normal_id else None
    if normal_phone and await User.exists(phone=normal_phone):
        problems.append(FieldProblem("phone", "PHONE_TAKEN"))
    if id_hash and await CourierProfile.exists(id_number_hash=id_hash):
        problems.append(FieldProblem("idNumber", "ID_NUMBER_TAKEN"))
    if problems:
        raise ValidationFailed(problems)

    assert normal_id is not None
    assert id_hash is not None
    assert name is not None
    password_hash = await hash_password(password)
    try:
        async with in_transaction():
            user = await User.create(
                jurisdiction=jurisdiction,
                role=Role.COURIER,
                status=UserStatus.PENDING,
                real_name=name,
                phone=normal_phone,
                password_hash=password_hash,
            )
            await CourierProfile.create(
                user=user,
                company=company,
                id_number_encrypted=pii.encrypt(normal_id),
                id_number_hash=id_hash,
                id_number_last4=normal_id[-4:],
            )
    except IntegrityError as error:
        # A concurrent registration won the race for the same phone or ID number.
        taken_phone = await User.exists(phone=normal_phone)
        code, field = ("PHONE_TAKEN", "phone") if taken_phone else ("ID_NUMBER_TAKEN", "idNumber")
        raise ValidationFailed.single(field, code) from error
    logger.info("courier registered", extra={"user_id": str(user.id)})
    return user


async def create_staff(
    actor: Principal | None,
    *,
    role: Role,
    real_name: str,
    username: str,
    password: str,
    department_id: int | None = None,
    community_ids: list[int] | None = None,
) -> User:
    """Create an ACTIVE staff account (department staff, admin or gatekeeper) in the actor's jurisdiction."""
    admin = require_role(actor, Role.ADMIN)
    user = await _create_staff_account(
        jurisdiction_id=admin.jurisdiction_id,
        role=role,
        real_name=real_name,
        username=username,
        password=password,
        department_id=department_id,
        community_ids=community_ids or [],
        created_by=admin.user_id,
    )
    return user


async def _create_staff_account(
    *,
    jurisdiction_id: int,
    role: Role,
    real_name: str,
    username: str,
    password: str,
    department_id: int | None,
    community_ids: list[int],
    created_by: uuid.UUID | None,
) -> User:
    problems: list[FieldProblem] = []
    if role is Role.COURIER:
        problems.append(FieldProblem("role", "ROLE_INVALID"))
    name = normalise_real_name(real_name)
    if name is None:
        problems.append(FieldProblem("realName", "NAME_INVALID"))
    if not is_valid_username(username):
        problems.append(FieldProblem("username", "USERNAME_INVALID"))
    elif await User.exists(username=username):
        problems.append(FieldProblem("username", "USERNAME_TAKEN"))
    if is_weak_password(password):
        problems.append(FieldProblem("password", "PASSWORD_WEAK"))
    department = None
    if role is Role.DEPARTMENT_STAFF:
        if department_id is None:
            problems.append(FieldProblem("departmentId", "FIELD_REQUIRED"))
        else:
            department = await Department.get_or_none(id=department_id, jurisdiction_id=jurisdiction_id)
            if department is None:
                problems.append(FieldProblem("departmentId", "DEPARTMENT_UNKNOWN"))
    communities: list[Community] = []
    if role is Role.GATEKEEPER:
        if not community_ids:
            problems.append(FieldProblem("communityIds", "FIELD_REQUIRED"))
        else:
            communities = await Community.filter(id__in=community_ids, jurisdiction_id=jurisdiction_id)
            if len(communities) != len(set(community_ids)):
                problems.append(FieldProblem("communityIds", "COMMUNITY_UNKNOWN"))
    if problems:
        raise ValidationFailed(problems)

    password_hash = await hash_password(password)
    try:
        async with in_transaction():
            user = await User.create(
                jurisdiction_id=jurisdiction_id,
                role=role,
                status=UserStatus.ACTIVE,
                real_name=name,
                username=username,
                password_hash=password_hash,
                department=department,
                approved_at=_now(),
                approved_by_id=created_by,
            )
            if communities:
                await user.communities.add(*communities)
            await audit.record(
                jurisdiction_id=jurisdiction_id,
                actor_id=created_by,
                action="staff.create",
                target_type="user",
                target_id=user.id,
                detail={"role": role.value},
            )
    except IntegrityError as error:
        raise ValidationFailed.single("username", "USERNAME_TAKEN") from error
    logger.info("staff account created", extra={"user_id": str(user.id), "role": role.value})
    return user


async def create_admin(*, jurisdiction_code: str, real_name: str, username: str, password: str) -> User:
    """Create an admin from the command line, where no admin exists yet to do it."""
    jurisdiction = await Jurisdiction.get_or_none(code=jurisdiction_code)
    if jurisdiction is None:
        raise ValidationFailed.single("jurisdiction", "JURISDICTION_UNKNOWN")
    return await _create_staff_account(
        jurisdiction_id=jurisdiction.id,
        role=Role.ADMIN,
        real_name=real_name,
        username=username,
        password=password,
        department_id=None,
        community_ids=[],
        created_by=None,
    )


# Status changes an admin may make: action -> (statuses it may start from, resulting status).
_STATUS_TRANSITIONS: dict[str, tuple[set[UserStatus], UserStatus]] = {
    "approve": ({UserStatus.PENDING}, UserStatus.ACTIVE),
    "reject": ({UserStatus.PENDING}, UserStatus.REJECTED),
    "suspend": ({UserStatus.ACTIVE, UserStatus.PENDING}, UserStatus.SUSPENDED),
    "reactivate": ({UserStatus.SUSPENDED}, UserStatus.ACTIVE),
}


async def change_user_status(actor: Principal | None, user_id: uuid.UUID, action: str, reason: str = "") -> User:
    """Approve, reject, suspend or reactivate an account in the admin's jurisdiction.

    Suspension and rejection end every session of the account at once.
    """
    admin = require_role(actor, Role.ADMIN)
    allowed_from, new_status = _STATUS_TRANSITIONS[action]
    async with in_transaction():
        user = await User.filter(id=user_id, jurisdiction_id=admin.jurisdiction_id).select_for_update().first()
        if user is None:
            raise NotFound()
        if user.id == admin.user_id:
            raise AppError(ErrorCode.FORBIDDEN)
        if user.status not in allowed_from:
            raise ValidationFailed.single("userId", "STATUS_TRANSITION_INVALID")
        user.status = new_status
        update_fields = ["status", "updated_at"]
        if action == "approve":
            user.approved_at = _now()
            user.approved_by_id = admin.user_id
            update_fields += ["approved_at", "approved_by_id"]
        if new_status in (UserStatus.SUSPENDED, UserStatus.REJECTED):
            user.token_version += 1
            update_fields.append("token_version")
            await RefreshToken.filter(user_id=user.id, revoked_at=None).update(revoked_at=_now())
        await user.save(update_fields=update_fields)
        await audit.record(
            jurisdiction_id=admin.jurisdiction_id,
            actor_id=admin.user_id,
            action=f"user.{action}",
            target_type="user",
            target_id=user.id,
            detail={"reason": reason} if reason else {},
        )
    logger.info("user status changed", extra={"user_id": str(user.id), "action": action})
    return user


def _login_keys(account: str, client_address: str) -> tuple[str, str]:
    return f"account:{pii.keyed_hash(account.strip().lower())}", f"address:{client_address}"


async def login(*, account: str, password: str, client_address: str) -> Session:
    """Check a phone number or username and password, then open a session.

    Unknown accounts and wrong passwords take the same time and give the same
    error; repeated failures block the account and the client address for a while.
    """
    settings = get_settings()
    counter = failure_counter()
    account_key, address_key = _login_keys(account, client_address)
    for key, limit in ((account_key, settings.login_max_failures),
                       (address_key, settings.login_address_max_failures)):
        retry_after = await counter.retry_after(key, limit)
        if retry_after is not None:
            logger.warning("login throttled", extra={"key_kind": key.split(":")[0]})
            raise RateLimited(retry_after)

    phone = normalise_phone(account)
    user = await (User.get_or_none(phone=phone) if phone else User.get_or_none(username=account.strip()))
    if not await verify_password(user.password_hash if user else None, password) or user is None:
        window = settings.login_failure_window_seconds
        await counter.record_failure(account_key, window)
        await counter.record_failure(address_key, window)
        raise AppError(ErrorCode.UNAUTHENTICATED, "LOGIN_FAILED")
    if user.status is UserStatus.SUSPENDED:
        raise AppError(ErrorCode.FORBIDDEN, "ACCOUNT_DISABLED")
    if user.status is UserStatus.REJECTED:
        raise AppError(ErrorCode.FORBIDDEN, "ACCOUNT_REJECTED")
    await counter.reset(account_key)

    if needs_rehash(user.password_hash):
        user.password_hash = await hash_password(password)
        await user.save(update_fields=["password_hash"])
    session = await _open_session(user, family_id=uuid.uuid4())
    logger.info("login succeeded", extra={"user_id": str(user.id)})
    return session


async def _open_session(user: User, *, family_id: uuid.UUID) -> Session:
    settings = get_settings()
    access_token, access_expires = issue_access_token(
        user_id=user.id,
        role=user.role.value,
        jurisdiction_id=user.jurisdiction_id,
        token_version=user.token_version,
        scopes=scopes_for(user.role),
        department_id=user.department_id,
    )
    refresh_token, refresh_hash = new_refresh_token()
    refresh_expires = _now() + timedelta(days=settings.refresh_token_days)
    await RefreshToken.create(
        user=user, family_id=family_id, token_hash=refresh_hash, expires_at=refresh_expires
    )
    return Session(user, access_token, access_expires, refresh_token, refresh_expires)


async def refresh_session(refresh_token: str) -> Session:
    """Rotate a refresh token; presenting one that was already rotated ends every session of the account."""
    token_hash = hash_refresh_token(refresh_token)
    reused = False
    async with in_transaction():
        stored = await RefreshToken.filter(token_hash=token_hash).select_for_update().first()
        if stored is None or stored.revoked_at is not None or stored.expires_at <= _now():
            raise ValidationFailed.single("refreshToken", "REFRESH_TOKEN_INVALID")
        if stored.used_at is not None:
            # A rotated token came back, so one copy is in someone else's hands. Every session of
            # the account ends, access tokens included, because they do not name their family.
            await RefreshToken.filter(user_id=stored.user_id, revoked_at=None).update(revoked_at=_now())
            user = await User.filter(id=stored.user_id).select_for_update().first()
            if user is not None:
                user.token_version += 1
                await user.save(update_fields=["token_version", "updated_at"])
            reused = True
        else:
            user = await User.get(id=stored.user_id)
            if user.status not in (UserStatus.ACTIVE, UserStatus.PENDING):
                raise ValidationFailed.single("refreshToken", "REFRESH_TOKEN_INVALID")
            stored.used_at = _now()
            await stored.save(update_fields=["used_at", "updated_at"])
            session = await _open_session(user, family_id=stored.family_id)
    if reused:
        # Raised after the transaction commits so the family revocation is kept.
        logger.warning("refresh token reused; all sessions revoked", extra={"user_id": str(stored.user_id)})
        raise ValidationFailed.single("refreshToken", "REFRESH_TOKEN_REUSED")
    return session


async def logout(refresh_token: str) -> None:
    """End one session (a refresh token family); an unknown token is ignored."""
    stored = await RefreshToken.get_or_none(token_hash=hash_refresh_token(refresh_token))
    if stored is not None:
        await RefreshToken.filter(family_id=stored.family_id, revoked_at=None).update(revoked_at=_now())


async def logout_everywhere(actor: Principal | None) -> None:
    """Invalidate every access and refresh token of the caller."""
    if actor is None:
        raise AppError(ErrorCode.UNAUTHENTICATED)
    async with in_transaction():
        user = await User.filter(id=actor.user_id).select_for_update().first()
        if user is None:
            raise NotFound()
        user.token_version += 1
        await user.save(update_fields=["token_version", "updated_at"])
        await RefreshToken.filter(user_id=user.id, revoked_at=None).update(revoked_at=_now())


async def get_user_in_reach(actor: Principal, user_id: uuid.UUID) -> User:
    """An account the admin may manage; anything else is NOT_FOUND."""
    require_role(actor, Role.ADMIN)
    user = await User.get_or_none(id=user_id, jurisdiction_id=actor.jurisdiction_id)
    if user is None:
        raise NotFound()
    return user


async def read_courier_personal_details(actor: Principal | None, user_id: uuid.UUID) -> tuple[User, CourierProfile, str]:
    """Return a courier's full details for an admin, writing an audit entry for the read."""
    admin = require_role(actor, Role.ADMIN)
    user = await get_user_in_reach(admin, user_id)
    profile = await CourierProfile.get_or_none(user_id=user.id).select_related("company")
    if profile is None:
        raise NotFound()
    await audit.record(
        jurisdiction_id=admin.jurisdiction_id,
        actor_id=admin.user_id,
        action="courier.personal_details.read",
        target_type="user",
        target_id=user.id,
    )
    return user, profile, pii.decrypt(profile.id_number_encrypted)
