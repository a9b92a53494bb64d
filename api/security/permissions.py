"""The permission layer: role and scope checks that fail closed.

A check grants access only when it returns the boolean True. Anything else
(False, None, 1, a list, or an un-awaited coroutine, which is truthy) is a
denial, so a forgotten ``await`` can never open a door. Users and integrator
clients both carry scopes, and the same checks apply to both.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from strawberry.permission import BasePermission
from strawberry.types import Info

from api.errors import AppError, Forbidden, Unauthenticated

logger = logging.getLogger(__name__)


class Caller(Protocol):
    """Anyone the permission layer checks: a user principal or an integrator client."""

    jurisdiction_id: int
    scopes: frozenset[str]


def is_granted(result: object, *, check: str = "permission check") -> bool:
    """Return True only when a check's result is exactly True."""
    if result is True:
        return True
    if inspect.iscoroutine(result):
        # Close it so Python does not also warn "coroutine was never awaited" later.
        result.close()
        logger.error("permission check returned a coroutine; denied", extra={"check": check})
    elif result is not False:
        logger.error(
            "permission check returned a non-boolean; denied",
            extra={"check": check, "result_type": type(result).__name__},
        )
    return False


def has_scope(caller: Caller | None, scope: str) -> bool:
    return caller is not None and scope in caller.scopes


def require_scope(caller: Caller | None, scope: str) -> Caller:
    """Return the caller when it holds the scope; raise UNAUTHENTICATED or FORBIDDEN otherwise."""
    if caller is None:
        raise Unauthenticated()
    if not is_granted(has_scope(caller, scope), check=f"scope {scope}"):
        raise Forbidden()
    return caller


async def authorize(check: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run a check (sync or async) and raise FORBIDDEN unless it returns exactly True.

    An async check is awaited here once. If it then returns yet another
    awaitable, that is a bug in the check and counts as a denial.
    """
    name = getattr(check, "__qualname__", repr(check))
    result = check(*args, **kwargs)
    if inspect.iscoroutinefunction(check) and inspect.isawaitable(result):
        result = await result
    if not is_granted(result, check=name):
        raise Forbidden()


class Permission(BasePermission):
    """Base of strawberry permission classes: subclasses implement ``allows``.

    ``allows`` may be sync or async. Its result passes through is_granted, so a
    result other than True (an un-awaited coroutine included) denies the field
    with FORBIDDEN.
    """

    message = "FORBIDDEN"

    def on_unauthorized(self) -> None:
        raise Forbidden()

    def allows(self, caller: Any, source: Any, info: Info, **kwargs: Any) -> bool | Awaitable[bool]:
        return False

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        try:
            caller = await info.context.principal()
        except AppError:
            return False
        result = self.allows(caller, source, info, **kwargs)
        if inspect.iscoroutinefunction(self.allows) and inspect.isawaitable(result):
            result = await result
        return is_granted(result, check=type(self).__qualname__)


class IsAdmin(Permission):
    def allows(self, caller: Any, source: Any, info: Info, **kwargs: Any) -> bool:
        return caller is not None and getattr(caller, "is_admin", False) is True
