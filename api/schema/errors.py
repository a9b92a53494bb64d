"""GraphQL shapes of expected failures, returned inside mutation payloads."""

from __future__ import annotations

import strawberry

from api.errors import ValidationFailed
from api.i18n import Language, translate


@strawberry.type(description="An input problem: which field, a stable code and a localised message.")
class UserError:
    field: str | None
    code: str
    message: str


def user_errors(error: ValidationFailed, language: Language) -> list[UserError]:
    return [
        UserError(field=problem.field, code=problem.code,
                  message=translate(problem.code, language, **problem.params))
        for problem in error.problems
    ]
