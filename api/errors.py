"""Domain errors with stable machine codes, independent of GraphQL.

``AppError`` is a failure the client can act on; it carries a top-level code
(UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, BAD_USER_INPUT, CONFLICT, RATE_LIMITED)
and a message key. ``ValidationFailed`` collects per-field problems that a
mutation returns in its payload.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class ErrorCode:
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    CONFLICT = "CONFLICT"
    RATE_LIMITED = "RATE_LIMITED"
    INTERNAL = "INTERNAL"


class AppError(Exception):
    def __init__(
        self,
        code: str,
        message_key: str | None = None,
        *,
        reason: str | None = None,
        **params: object,
    ) -> None:
        self.code = code
        self.message_key = message_key or code
        self.reason = reason or self.message_key
        self.params = params
        super().__init__(f"{code}: {self.message_key}")


class NotFound(AppError):
    def __init__(self) -> None:
        super().__init__(ErrorCode.NOT_FOUND)


class Forbidden(AppError):
    def __init__(self, message_key: str = "FORBIDDEN") -> None:
        super().__init__(ErrorCode.FORBIDDEN, message_key)


class Unauthenticated(AppError):
    def __init__(self, message_key: str = "UNAUTHENTICATED") -> None:
        super().__init__(ErrorCode.UNAUTHENTICATED, message_key)


class RateLimited(AppError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(ErrorCode.RATE_LIMITED, retry_after=retry_after)
        self.retry_after = retry_after


@dataclass
class FieldProblem:
    field: str | None
    code: str
    params: dict[str, object] = field(default_factory=dict)


class ValidationFailed(Exception):
    """One or more invalid inputs; nothing was written."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__(", ".join(f"{p.field}:{p.code}" for p in problems))

    @classmethod
    def single(cls, field_name: str | None, code: str, **params: object) -> "ValidationFailed":
        return cls([FieldProblem(field_name, code, dict(params))])
