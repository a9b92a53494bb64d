"""Introspection and "did you mean" suggestions: off in production unless the caller is an admin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from graphql import ValidationContext, ValidationRule
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

from api.config import get_settings
from api.errors import AppError


class HideSuggestionsRule(ValidationRule):
    """Switch off the suggestion text ("Did you mean ...?") of every rule in this validation.

    graphql-core (3.3) reads one hide_suggestions flag from the shared
    ValidationContext when it builds each error message, so setting it while the
    rules are constructed covers all rules of the run.
    """

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        # NOTE: graphql-core 3.3 exposes the flag only as a constructor argument of
        # validate(), which strawberry 0.341 does not pass, hence the private attribute.
        context._hide_suggestions = True


async def caller_is_admin(context: Any) -> bool:
    """Return True only for a valid admin token; no token or a bad one is not an admin."""
    principal_of = getattr(context, "principal", None)
    if principal_of is None:
        return False
    try:
        principal = await principal_of()
    except AppError:
        return False
    return principal is not None and getattr(principal, "is_admin", False) is True


class SchemaDisclosureGuard(SchemaExtension):
    """Reject introspection and hide suggestions in production for everyone but admins."""

    async def on_operation(self) -> AsyncIterator[None]:
        if get_settings().is_production and not await caller_is_admin(self.execution_context.context):
            self.execution_context.validation_rules = (
                *self.execution_context.validation_rules,
                NoSchemaIntrospectionCustomRule,
                HideSuggestionsRule,
            )
        yield
