"""Who is calling an Open311 endpoint, and which reports they may read.

A caller is an integrator client (``api_key`` parameter or a client access
token) or a user with a bearer access token. Users read exactly what the
GraphQL API lets them read. Clients read reports of their granted categories
in their jurisdiction and need the reports:read scope. Private categories
never appear through Open311, for any caller.
"""

from __future__ import annotations

from typing import Union

from starlette.requests import Request
from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from api.auth.principal import Principal, authenticate
from api.errors import AppError, Unauthenticated
from api.integrators.service import IntegratorPrincipal, principal_from_api_key, principal_from_token
from api.models.catalogue import Category
from api.models.integrators import IntegratorScope
from api.models.reports import Report
from api.reports.access import visible_reports
from api.schema.context import bearer_token_from
from api.security.permissions import require_scope

Caller = Union[Principal, IntegratorPrincipal]


async def caller_of(request: Request, api_key: str | None) -> Caller:
    """Authenticate the caller; raise UNAUTHENTICATED when no valid credential was sent."""
    if api_key:
        return await principal_from_api_key(api_key)
    token = bearer_token_from(request.headers.get("authorization"))
    if token is None:
        raise Unauthenticated()
    try:
        return await principal_from_token(token)
    except AppError as client_error:
        if client_error.message_key != "TOKEN_INVALID":
            raise
    # Not a client token: it may be a user token.
    return await authenticate(token)


def readable_reports(caller: Caller) -> QuerySet[Report]:
    """Return the reports this caller may read through Open311."""
    if isinstance(caller, IntegratorPrincipal):
        require_scope(caller, IntegratorScope.REPORTS_READ.value)
        reports = Report.filter(jurisdiction_id=caller.jurisdiction_id, category_id__in=list(caller.category_ids))
    else:
        reports = visible_reports(caller)
    public_categories = Category.filter(private=False).values("id")
    return reports.filter(category_id__in=Subquery(public_categories))
