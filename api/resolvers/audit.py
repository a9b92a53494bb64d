"""The admin query over the audit trail. Entries are only ever added, never edited."""

from __future__ import annotations

import strawberry
from strawberry.relay import PageInfo
from strawberry.types import Info

from api.auth.principal import require_role
from api.errors import ValidationFailed
from api.models.audit import AuditEntry as AuditEntryModel
from api.models.identity import Role
from api.reports import messages as _report_messages  # noqa: F401 - registers PAGE_SIZE_INVALID, CURSOR_INVALID
from api.resolvers.base import context_of
from api.schema.audit import AuditEntryConnection, AuditEntryEdge, audit_entry_type, decode_cursor, encode_cursor

MAX_PAGE = 200


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="Admin: the audit trail of the admin's jurisdiction, newest first, "
        "optionally by action, target type and target id."
    )
    async def audit_entries(
        self,
        info: Info,
        first: int = 50,
        after: str | None = None,
        action: str | None = None,
        target_type: str | None = None,
        target_id: str | None = None,
    ) -> AuditEntryConnection:
        admin = require_role(await context_of(info).principal(), Role.ADMIN)
        if not 1 <= first <= MAX_PAGE:
            raise ValidationFailed.single("first", "PAGE_SIZE_INVALID", max=MAX_PAGE)
        query = AuditEntryModel.filter(jurisdiction_id=admin.jurisdiction_id)
        if after is not None:
            after_id = decode_cursor(after)
            if after_id is None:
                raise ValidationFailed.single("after", "CURSOR_INVALID")
            query = query.filter(id__lt=after_id)
        if action is not None:
            query = query.filter(action=action)
        if target_type is not None:
            query = query.filter(target_type=target_type)
        if target_id is not None:
            query = query.filter(target_id=target_id)

        rows = await query.order_by("-id").limit(first + 1).select_related("actor")
        page = rows[:first]
        edges = [AuditEntryEdge(cursor=encode_cursor(row.id), node=audit_entry_type(row)) for row in page]
        return AuditEntryConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(rows) > first,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )
