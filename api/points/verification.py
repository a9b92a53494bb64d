"""Verifying resolved reports, awarding their points once, and revoking awards.

Verification closes a resolved report and awards its category's points as
they stand at that moment. The unique (report, kind) constraint of the ledger
makes the award happen at most once even when admins verify concurrently.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api import audit
from api.auth.principal import Principal, require_role
from api.errors import Forbidden, NotFound, ValidationFailed
from api.models.catalogue import Category, Department
from api.models.identity import Role
from api.models.notifications import NotificationKind
from api.models.organisation import Jurisdiction
from api.models.points import LedgerEntry, LedgerKind
from api.models.reports import DispatchRole, Report, ReportDispatch, ReportStatus, TimelineKind
from api.notifications.service import localised_param, notify
from api.points.ledger import lock_courier
from api.reports import timeline, workflow

logger = logging.getLogger(__name__)

MAX_REASON_LENGTH = 500


@dataclass(frozen=True)
class Verification:
    report: Report
    # None when the report has no courier (an integrator's report) or its category is worth nothing.
    award: LedgerEntry | None


def _now() -> datetime:
    return datetime.now(timezone.utc)


def ensure_not_own_report(actor: Principal, report: Report) -> None:
    """Reject a points action by the person who filed the report.

    NOTE: this compares accounts. A person with a separate staff account and
    courier account is not caught, because accounts carry no link between them.
    """
    if report.reporter_id is not None and report.reporter_id == actor.user_id:
        raise Forbidden("OWN_REPORT")


def clean_reason(reason: str) -> str:
    cleaned = (reason or "").strip()
    if not 1 <= len(cleaned) <= MAX_REASON_LENGTH:
        raise ValidationFailed.single("reason", "REASON_REQUIRED")
    return cleaned


async def _report_in_reach(admin: Principal, report_id: uuid.UUID, *, lock: bool) -> Report:
    query = Report.filter(id=report_id, jurisdiction_id=admin.jurisdiction_id)
    if lock:
        query = query.select_for_update()
    report = await query.first()
    if report is None:
        raise NotFound()
    return report


async def handling_departments(report: Report) -> dict[str, str]:
    """Names of the departments that handled a report, for the courier's message.

    The owners of the category come first. Without one, the community that
    received the report is named, and without either the street office itself.
    """
    dispatches = await ReportDispatch.filter(report_id=report.id, active=True).order_by("id")
    owners = [d.department_id for d in dispatches if d.role is DispatchRole.OWNER]
    chosen = owners or [d.department_id for d in dispatches]
    if chosen:
        by_id = {d.id: d for d in await Department.filter(id__in=chosen)}
        departments = [by_id[i] for i in dict.fromkeys(chosen) if i in by_id]
        return localised_param(
            "、".join(d.name_zh for d in departments), ", ".join(d.name_en for d in departments)
        )
    jurisdiction = await Jurisdiction.get(id=report.jurisdiction_id)
    return localised_param(jurisdiction.name_zh, jurisdiction.name_en)


async def verify_report(actor: Principal | None, report_id: uuid.UUID, *, now: datetime | None = None) -> Verification:
    """Close a resolved report and award its category's points to the courier, once.

    Rejected reports and duplicates cannot be verified, so they earn nothing.
    A second verification of the same report raises REPORT_ALREADY_VERIFIED.
    """
    admin = require_role(actor, Role.ADMIN)
    moment = now or _now()
    try:
        async with in_transaction():
            report = await _report_in_reach(admin, report_id, lock=True)
            ensure_not_own_report(admin, report)
            await _check_verifiable(report)

            category = await Category.get(id=report.category_id)
            from_status = report.status
            report.status = workflow.target("verify")
            report.closed_at = moment
            await report.save(update_fields=["status", "closed_at", "updated_at"])
            await timeline.record(
                report, TimelineKind.VERIFIED, actor_id=admin.user_id,
                from_status=from_status, to_status=report.status,
            )

            award = None
            if report.reporter_id is not None and category.points > 0:
                award = await _award(admin, report, category, moment)
            await audit.record(
                jurisdiction_id=admin.jurisdiction_id,
                actor_id=admin.user_id,
                action="report.verify",
                target_type="report",
                target_id=report.id,
                detail={"points": award.amount if award else 0},
            )
    except IntegrityError as error:
        # A concurrent verification inserted the award first. On PostgreSQL the
        # report lock normally stops it earlier, and this is the last line.
        logger.info("concurrent verification lost the race", extra={"report_id": str(report_id)})
        raise ValidationFailed.single("reportId", "REPORT_ALREADY_VERIFIED") from error

    logger.info(
        "report verified",
        extra={"report_id": str(report.id), "points": award.amount if award else 0},
    )
    return Verification(report=report, award=award)


async def _check_verifiable(report: Report) -> None:
    if report.status is ReportStatus.DUPLICATE or report.duplicate_of_id is not None:
        raise ValidationFailed.single("reportId", "REPORT_IS_DUPLICATE")
    if await LedgerEntry.exists(report_id=report.id, kind=LedgerKind.AWARD):
        raise ValidationFailed.single("reportId", "REPORT_ALREADY_VERIFIED")
    if report.status is ReportStatus.CLOSED:
        raise ValidationFailed.single("reportId", "REPORT_ALREADY_VERIFIED")
    if not workflow.can("verify", report.status):
        raise ValidationFailed.single("reportId", "REPORT_NOT_VERIFIABLE")


async def _award(admin: Principal, report: Report, category: Category, moment: datetime) -> LedgerEntry:
    assert report.reporter_id is not None
    award = await LedgerEntry.create(
        jurisdiction_id=report.jurisdiction_id,
        courier_id=report.reporter_id,
        kind=LedgerKind.AWARD,
        amount=category.points,
        report_id=report.id,
        actor_id=admin.user_id,
        created_at=moment,
    )
    await timeline.record(
        report, TimelineKind.POINTS_AWARDED, actor_id=admin.user_id,
        detail={"points": award.amount, "ledger_entry_id": award.id},
    )
    await notify(
        recipient_id=report.reporter_id,
        kind=NotificationKind.POINTS_AWARDED,
        message_key="NOTICE_POINTS_AWARDED",
        params={"department": await handling_departments(report), "points": award.amount},
        report_id=report.id,
        created_at=moment,
    )
    return award


async def revoke_award(
    actor: Principal | None, report_id: uuid.UUID, reason: str, *, now: datetime | None = None
) -> LedgerEntry:
    """Take back a report's award (for fraud) with an ADJUSTMENT entry; a report's award is revoked once.

    The courier's balance may go below zero when the points were already paid
    out, and later awards then pay back the difference.
    """
    admin = require_role(actor, Role.ADMIN)
    cleaned = clean_reason(reason)
    moment = now or _now()
    try:
        async with in_transaction():
            report = await _report_in_reach(admin, report_id, lock=True)
            ensure_not_own_report(admin, report)
            award = await LedgerEntry.get_or_none(report_id=report.id, kind=LedgerKind.AWARD)
            if award is None:
                raise ValidationFailed.single("reportId", "AWARD_NOT_FOUND")
            if await LedgerEntry.exists(report_id=report.id, kind=LedgerKind.ADJUSTMENT):
                raise ValidationFailed.single("reportId", "AWARD_ALREADY_REVOKED")

            await lock_courier(award.courier_id, award.jurisdiction_id)
            entry = await LedgerEntry.create(
                jurisdiction_id=award.jurisdiction_id,
                courier_id=award.courier_id,
                kind=LedgerKind.ADJUSTMENT,
                amount=-award.amount,
                report_id=report.id,
                actor_id=admin.user_id,
                reason=cleaned,
                created_at=moment,
            )
            await timeline.record(
                report, TimelineKind.POINTS_REVOKED, actor_id=admin.user_id, comment=cleaned,
                detail={"points": award.amount, "ledger_entry_id": entry.id},
            )
            category = await Category.get(id=report.category_id)
            await notify(
                recipient_id=award.courier_id,
                kind=NotificationKind.POINTS_REVOKED,
                message_key="NOTICE_POINTS_REVOKED",
                params={
                    "category": localised_param(category.name_zh, category.name_en),
                    "points": award.amount,
                    "reason": cleaned,
                },
                report_id=report.id,
                created_at=moment,
            )
            await audit.record(
                jurisdiction_id=admin.jurisdiction_id,
                actor_id=admin.user_id,
                action="points.revoke",
                target_type="report",
                target_id=report.id,
                detail={"points": award.amount, "reason": cleaned},
            )
    except IntegrityError as error:
        raise ValidationFailed.single("reportId", "AWARD_ALREADY_REVOKED") from error
    logger.info("award revoked", extra={"report_id": str(report_id), "points": -entry.amount})
    return entry
