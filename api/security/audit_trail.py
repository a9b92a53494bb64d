"""An audit entry for every admin mutation, even one whose service forgot to write its own.

Services record precise entries (for example user.approve with the user id).
After each successful root mutation by an admin, this extension checks whether
the request wrote any audit entry, and if not it records a generic one naming
the mutation. Arguments are never copied into the entry because they can hold
passwords and personal details.
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Callable
from typing import Any

from strawberry.extensions import SchemaExtension

from api import audit
from api.errors import AppError
from api.models.audit import AuditEntry
from api.request_context import current_request_id

logger = logging.getLogger(__name__)


async def _admin_of(context: Any) -> Any:
    try:
        principal = await context.principal()
    except AppError:
        return None
    return principal if principal is not None and getattr(principal, "is_admin", False) is True else None


def _succeeded(result: Any) -> bool:
    """A payload without user errors; a payload with errors changed nothing."""
    errors = getattr(result, "errors", None)
    return not errors


class AdminActionAudit(SchemaExtension):
    """Make sure each successful admin mutation leaves at least one audit entry."""

    def resolve(self, _next: Callable, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        if info.parent_type is not info.schema.mutation_type:
            return _next(root, info, *args, **kwargs)
        return self._resolve_audited(_next, root, info, *args, **kwargs)

    async def _resolve_audited(self, _next: Callable, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        admin = await _admin_of(info.context)
        request_id = current_request_id()
        before = await AuditEntry.filter(request_id=request_id).count() if admin and request_id else 0

        result = _next(root, info, *args, **kwargs)
        if inspect.isawaitable(result):
            result = await result

        if admin is None or not _succeeded(result):
            return result
        if request_id and await AuditEntry.filter(request_id=request_id).count() > before:
            return result
        arguments = _identifying_arguments(kwargs)
        target_id = arguments.get("id") or next(iter(arguments.values()), info.field_name)
        await audit.record(
            jurisdiction_id=admin.jurisdiction_id,
            actor_id=admin.user_id,
            action=f"mutation.{info.field_name}",
            # The object the mutation is named after: reportClassify acts on a report.
            target_type=re.match(r"[a-z]+", info.field_name).group(0) if arguments else "mutation",
            target_id=target_id,
            detail={"operation": info.operation.name.value if info.operation.name else None, "arguments": arguments},
        )
        return result


# Arguments that identify the object an admin acted on; free text and inputs are left out
# because they may carry personal details.
# The names are GraphQL's, because this hook sees the arguments before Strawberry converts them.
_IDENTIFYING_ARGUMENTS = ("id", "reportId", "userId", "linkId", "courierId", "departmentId",
                          "categoryId", "endpointId", "categoryCode")


def _identifying_arguments(kwargs: dict[str, Any]) -> dict[str, str]:
    return {name: str(kwargs[name]) for name in _IDENTIFYING_ARGUMENTS if kwargs.get(name) is not None}
