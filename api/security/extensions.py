"""The schema extensions every production schema runs, in order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from strawberry.extensions import SchemaExtension

from api.security.audit_trail import AdminActionAudit
from api.security.introspection import SchemaDisclosureGuard
from api.security.limits import QueryCostLimiter, TokenLimiter
from api.security.mutation_limits import MutationRateLimiter


class FreshLoadersPerEvent(SchemaExtension):
    """Empty the per-request DataLoaders and caches after each subscription event.

    A subscription keeps one context for its whole connection, so without this
    a value loaded for one event (for example a report before it was re-routed)
    would be served again to later events.
    """

    async def on_stream_result(self, result: Any) -> AsyncIterator[None]:
        yield
        loaders = getattr(self.execution_context.context, "loaders", None)
        if isinstance(loaders, dict):
            loaders.clear()


def security_extensions() -> list[type[SchemaExtension]]:
    """Return the extension classes; strawberry makes a fresh instance of each per operation."""
    return [
        TokenLimiter,
        QueryCostLimiter,
        SchemaDisclosureGuard,
        MutationRateLimiter,
        AdminActionAudit,
        FreshLoadersPerEvent,
    ]
