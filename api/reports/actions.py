"""Working a report: the department actions (accept, reply, note, resolve, reject, hand back, reopen)
and the back office's classification and category changes.

Each action checks the input, then in one transaction locks the report, checks
the caller's reach and the transition, writes, and records a timeline entry.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timezone

from tortoise.transactions import in_transaction

from api.auth.principal import Principal, require_principal, require_role
from api.errors import ValidationFailed
from api.models.catalogue import Category
from api.models.identity import Role
from api.models.reports import Report, TimelineKind, TriageReason
from api.reports import messages  # noqa: F401 - registers the report messages
from api.reports import access, duplicates, routing, timeline, workflow

logger = logging.getLogger(__name__)

MAX_COMMENT = 2000


def clean_comment(comment: str | None, *, required: bool, field: str = "comment") -> str:
    text = (comment or "").strip()
    if required and not text:
        raise ValidationFailed.single(field, "COMMENT_REQUIRED")
    if len(text) > MAX_COMMENT:
        raise ValidationFailed.single(field, "COMMENT_TOO_LONG", max=MAX_COMMENT)
    return text


def _now() -> datetime:
    return datetime.now(timezone.utc)


async def _transition(
    principal: Principal | None,
    report_id: uuid.UUID,
    action: str,
    kind: TimelineKind,
    comment: str,
    stamp_field: str | None = None,
    clear_fields: tuple[str, ...] = (),
) -> Report:
    principal = require_principal(principal)
    async with in_transaction():
        report = await access.get_visible_report(principal, report_id, for_update=True)
        await access.require_owner_or_admin(principal, report)
        workflow.check(action, report.status)

        previous = report.status
        report.status = workflow.target(action)
        fields = ["status", "updated_at"]
        if stamp_field:
            setattr(report, stamp_field, _now())
            fields.append(stamp_field)
        for name in clear_fields:
            setattr(report, name, None)
            fields.append(name)
        await report.save(update_fields=fields)
        await timeline.record(
            report, kind, actor_id=principal.user_id, department_id=principal.department_id, comment=comment,
            from_status=previous, to_status=report.status,
        )
    logger.info("report status changed", extra={"report_id": str(report.id), "action": action,
                                                 "status": report.status.value})
    return report


async def accept(principal: Principal | None, report_id: uuid.UUID, comment: str = "") -> Report:
    text = clean_comment(comment, required=False)
    return await _transition(principal, report_id, "accept", TimelineKind.ACCEPTED, text, stamp_field="accepted_at")


async def resolve(principal: Principal | None, report_id: uuid.UUID, comment: str) -> Report:
    text = clean_comment(comment, required=True)
    return await _transition(principal, report_id, "resolve", TimelineKind.RESOLVED, text, stamp_field="resolved_at")


async def reject(principal: Principal | None, report_id: uuid.UUID, reason: str) -> Report:
    text = clean_comment(reason, required=True, field="reason")
    return await _transition(principal, report_id, "reject", TimelineKind.REJECTED, text, clear_fields=("due_at",))


async def reopen(principal: Principal | None, report_id: uuid.UUID, comment: str) -> Report:
    text = clean_comment(comment, required=True)
    return await _transition(principal, report_id, "reopen", TimelineKind.REOPENED, text, clear_fields=("resolved_at",))


async def reply(principal: Principal | None, report_id: uuid.UUID, text: str) -> Report:
    """Send the courier a message, shown in their timeline with the department's name only."""
    message = clean_comment(text, required=True, field="text")
    principal = require_principal(principal)
    async with in_transaction():
        report = await access.get_visible_report(principal, report_id, for_update=True)
        await access.require_owner_or_admin(principal, report)
        await timeline.record(
            report, TimelineKind.REPLIED, actor_id=principal.user_id, department_id=principal.department_id,
            comment=message,
        )
    return report


async def add_note(principal: Principal | None, report_id: uuid.UUID, text: str) -> Report:
    """Add an internal note for staff, which couriers never see. Community viewers may add notes too."""
    message = clean_comment(text, required=True, field="text")
    principal = access.require_staff(principal)
    async with in_transaction():
        report = await access.get_visible_report(principal, report_id, for_update=True)
        await timeline.record(
            report, TimelineKind.NOTE, actor_id=principal.user_id, department_id=principal.department_id,
            comment=message, visible_to_reporter=False,
        )
    return report


async def hand_back(principal: Principal | None, report_id: uuid.UUID, reason: str) -> Report:
    """"Not ours": the report leaves every owner department and waits in triage for the back office."""
    text = clean_comment(reason, required=True, field="reason")
    principal = require_principal(principal)
    async with in_transaction():
        report = await access.get_visible_report(principal, report_id, for_update=True)
        await access.require_owner_or_admin(principal, report)
        await routing.move_to_triage(
            report, TriageReason.HANDED_BACK, actor_id=principal.user_id, department_id=principal.department_id,
            comment=text, action="hand_back",
        )
    return report


async def _routable_category(jurisdiction_id: int, category_code: str) -> Category:
    category = await Category.get_or_none(jurisdiction_id=jurisdiction_id, code=(category_code or "").strip(),
                                          active=True)
    if category is None:
        raise ValidationFailed.single("categoryCode", "CATEGORY_UNKNOWN")
    if category.is_other or not await routing.owner_departments(category):
        raise ValidationFailed.single("categoryCode", "CATEGORY_NOT_ROUTABLE")
    return category


async def classify(principal: Principal | None, report_id: uuid.UUID, category_code: str, comment: str = "") -> Report:
    """Admin: give a report in triage its category, which dispatches it to that category's departments."""
    admin = require_role(principal, Role.ADMIN)
    text = clean_comment(comment, required=False)
    category = await _routable_category(admin.jurisdiction_id, category_code)
    async with in_transaction():
        report = await access.get_visible_report(admin, report_id, for_update=True)
        workflow.check("classify", report.status)
        await routing.reroute(report, category, actor_id=admin.user_id, comment=text, action="classify")
        await duplicates.link_possible_duplicates(report, category)
    return report


async def change_category(
    principal: Principal | None, report_id: uuid.UUID, category_code: str, comment: str
) -> Report:
    """Re-route a dispatched report to another category: old owners lose access at once, new ones gain it."""
    principal = require_principal(principal)
    text = clean_comment(comment, required=True)
    category = await _routable_category(principal.jurisdiction_id, category_code)
    async with in_transaction():
        report = await access.get_visible_report(principal, report_id, for_update=True)
        await access.require_owner_or_admin(principal, report)
        workflow.check("reroute", report.status)
        if report.category_id == category.id:
            raise ValidationFailed.single("categoryCode", "CATEGORY_UNCHANGED")
        await routing.reroute(report, category, actor_id=principal.user_id, comment=text, action="reroute")
        await duplicates.link_possible_duplicates(report, category)
    return report
