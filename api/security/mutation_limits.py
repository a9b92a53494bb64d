"""Rate limits on the GraphQL mutations that attackers repeat: login, registration, reports, uploads.

Each limited mutation is counted twice before it runs: once for the identity it
acts for (the account being logged into, the phone being registered, the
logged-in user) and once for the client address. Over either limit, the field
fails with RATE_LIMITED, a retryAfter in seconds, and a Retry-After header.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from strawberry.extensions import SchemaExtension

from api import pii
from api.config import Settings, get_settings
from api.errors import AppError, RateLimited
from api.security.ratelimit import Limit, RateLimiter, build_rate_limiter, enforce

IdentityOf = Callable[[Any, dict[str, Any]], Awaitable[str | None]]


def _argument(arguments: dict[str, Any], *path: str) -> Any:
    """Read a nested argument whether the input arrived as a dict or as a strawberry input object."""
    value: Any = arguments
    for name in path:
        value = value.get(name) if isinstance(value, dict) else getattr(value, name, None)
        if value is None:
            return None
    return value


async def _login_identity(_context: Any, arguments: dict[str, Any]) -> str | None:
    account = _argument(arguments, "account")
    return pii.keyed_hash(account.strip().lower()) if isinstance(account, str) else None


async def _registration_identity(_context: Any, arguments: dict[str, Any]) -> str | None:
    phone = _argument(arguments, "input", "phone")
    if not isinstance(phone, str):
        return None
    return pii.keyed_hash("".join(character for character in phone if character.isdigit()))


async def _caller_identity(context: Any, _arguments: dict[str, Any]) -> str | None:
    try:
        principal = await context.principal()
    except AppError:
        return None
    return str(principal.user_id) if principal is not None else None


@dataclass(frozen=True)
class MutationRule:
    action: str
    identity_of: IdentityOf
    identity_setting: str
    address_setting: str

    def limits(self, settings: Settings) -> tuple[Limit, Limit]:
        return (
            Limit.parse(getattr(settings, self.identity_setting)),
            Limit.parse(getattr(settings, self.address_setting)),
        )


_LOGIN = MutationRule("login", _login_identity, "rate_limit_login_identity", "rate_limit_login_address")
_REGISTRATION = MutationRule(
    "registration", _registration_identity, "rate_limit_registration_identity", "rate_limit_registration_address"
)
_REPORT = MutationRule("report", _caller_identity, "rate_limit_report_identity", "rate_limit_report_address")
_UPLOAD = MutationRule("upload", _caller_identity, "rate_limit_upload_identity", "rate_limit_upload_address")

# Limited mutations by their GraphQL field name.
RULES: dict[str, MutationRule] = {
    "tokenCreate": _LOGIN,
    "courierRegister": _REGISTRATION,
    "reportSubmit": _REPORT,
    "mediaUploadCreate": _UPLOAD,
}

_fallback_limiter: RateLimiter | None = None


def app_rate_limiter(connection: Any) -> RateLimiter:
    """Return the limiter of the application serving a request, or one for this process without one."""
    global _fallback_limiter
    scope_app = connection.scope.get("app") if connection is not None else None
    limiter = getattr(getattr(scope_app, "state", None), "rate_limiter", None)
    if limiter is not None:
        return limiter
    if _fallback_limiter is None:
        _fallback_limiter = build_rate_limiter(get_settings())
    return _fallback_limiter


def rate_limiter_of(context: Any) -> RateLimiter:
    return app_rate_limiter(getattr(context, "request", None))


async def check_mutation_rate(rule: MutationRule, context: Any, arguments: dict[str, Any]) -> None:
    """Count one attempt of a limited mutation; raise RATE_LIMITED when over a limit."""
    identity_limit, address_limit = rule.limits(get_settings())
    checks = [(f"{rule.action}:address:{getattr(context, 'client_address', 'unknown')}", address_limit)]
    identity = await rule.identity_of(context, arguments)
    if identity is not None:
        checks.append((f"{rule.action}:identity:{identity}", identity_limit))
    try:
        await enforce(rate_limiter_of(context), checks, action=rule.action)
    except RateLimited as error:
        response = getattr(context, "response", None)
        if response is not None and hasattr(response, "headers"):
            response.headers["Retry-After"] = str(error.retry_after)
        raise


class MutationRateLimiter(SchemaExtension):
    """Count attempts of the mutations in RULES before their resolvers run."""

    def resolve(self, _next: Callable, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        if info.parent_type is not info.schema.mutation_type:
            return _next(root, info, *args, **kwargs)
        rule = RULES.get(info.field_name)
        if rule is None:
            return _next(root, info, *args, **kwargs)
        return self._resolve_limited(rule, _next, root, info, *args, **kwargs)

    async def _resolve_limited(
        self, rule: MutationRule, _next: Callable, root: Any, info: Any, *args: Any, **kwargs: Any
    ) -> Any:
        await check_mutation_rate(rule, info.context, kwargs)
        result = _next(root, info, *args, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        return result
