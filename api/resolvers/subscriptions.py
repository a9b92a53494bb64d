"""Subscriptions to report events, the emergency acknowledgement and its statistics."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from strawberry.types import Info

from api.auth.principal import Principal, require_role
from api.errors import AppError, ErrorCode, ValidationFailed
from api.events import acknowledgement, stream
from api.events.envelope import Envelope
from api.events.hub import SubscriberLagging
from api.events.outbox import parse_cursor
from api.models.catalogue import Priority
from api.observability import metrics
from api.models.identity import Role
from api.models.reports import TimelineKind as TimelineKindModel
from api.resolvers.base import context_of, parse_uuid
from api.schema.errors import user_errors
from api.schema.reports import TimelineKind
from api.schema.subscriptions import (
    EmergencyAcknowledgeInput,
    EmergencyAcknowledgePayload,
    EmergencyResponseStatistics,
    ReportEvent,
    acknowledgement_type,
    report_event_type,
    statistics_type,
)


def _parse_after(after: str | None) -> int | None:
    try:
        return parse_cursor(after)
    except ValidationFailed as error:
        raise AppError(ErrorCode.BAD_USER_INPUT, "EVENT_CURSOR_INVALID") from error


def emergency_selector(principal: Principal):  # type: ignore[no-untyped-def]
    """New emergencies: staff get the dispatch to their own department, admins the submission."""

    def selects(item: Envelope) -> bool:
        if item.priority != Priority.EMERGENCY.value:
            return False
        if principal.role is Role.ADMIN:
            return item.kind == TimelineKindModel.SUBMITTED.value
        department = item.department or {}
        return item.kind == TimelineKindModel.DISPATCHED.value and department.get("id") == principal.department_id

    return selects


async def _events(info: Info, principal: Principal, after: int | None, selects) -> AsyncGenerator[ReportEvent, None]:  # type: ignore[no-untyped-def]
    language = context_of(info).language
    metrics.SUBSCRIPTIONS_OPEN.inc()
    try:
        async for item in stream.events(principal, after=after, selects=selects):
            metrics.observe_event_lag("report." + item.kind.lower(), item.occurred_at)
            yield report_event_type(item, language)
    except SubscriberLagging as error:
        raise AppError(ErrorCode.CONFLICT, "SUBSCRIPTION_LAGGING") from error
    finally:
        metrics.SUBSCRIPTIONS_OPEN.dec()


@strawberry.type
class EventsSubscription:
    @strawberry.subscription(
        description="Changes of the reports you may query: couriers their own, staff their department's, "
        "admins their jurisdiction's. With `after`, events after that cursor are replayed first."
    )
    async def report_events(
        self, info: Info, after: str | None = None, kinds: list[TimelineKind] | None = None
    ) -> AsyncGenerator[ReportEvent, None]:
        principal = require_role(await context_of(info).principal(), Role.COURIER, Role.DEPARTMENT_STAFF, Role.ADMIN)
        cursor = _parse_after(after)
        wanted = {TimelineKindModel(k).value for k in kinds} if kinds else None

        def selects(item: Envelope) -> bool:
            return wanted is None or item.kind in wanted

        async for event in _events(info, principal, cursor, selects):
            yield event

    @strawberry.subscription(
        description="Emergency team: each new EMERGENCY report dispatched to your department, with location, "
        "category, description and media. With `after`, missed ones are replayed first."
    )
    async def emergency_reports(self, info: Info, after: str | None = None) -> AsyncGenerator[ReportEvent, None]:
        principal = require_role(await context_of(info).principal(), Role.DEPARTMENT_STAFF, Role.ADMIN)
        cursor = _parse_after(after)
        async for event in _events(info, principal, cursor, emergency_selector(principal)):
            yield event


@strawberry.type
class EventsQuery:
    @strawberry.field(
        description="Admins: first-acknowledgement times of emergencies submitted in [since, until) in the "
        "jurisdiction. Staff: their own department's."
    )
    async def emergency_response_statistics(
        self, info: Info, since: datetime, until: datetime
    ) -> EmergencyResponseStatistics:
        principal = await context_of(info).principal()
        stats = await acknowledgement.response_statistics(principal, since=since, until=until)
        return statistics_type(stats)


@strawberry.type
class EventsMutation:
    @strawberry.mutation(
        description="Emergency team: confirm that help is on the way, with an ETA in minutes. The courier sees it."
    )
    async def emergency_acknowledge(self, info: Info, input: EmergencyAcknowledgeInput) -> EmergencyAcknowledgePayload:
        context = context_of(info)
        try:
            model = await acknowledgement.acknowledge(
                await context.principal(), parse_uuid(input.report_id),
                eta_minutes=input.eta_minutes, comment=input.comment,
            )
        except ValidationFailed as error:
            return EmergencyAcknowledgePayload(errors=user_errors(error, context.language))
        return EmergencyAcknowledgePayload(acknowledgement=acknowledgement_type(model))
