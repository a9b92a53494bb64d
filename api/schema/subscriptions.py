"""GraphQL types of report events, emergency acknowledgements and response statistics."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.events.acknowledgement import ResponseStatistics
from api.events.envelope import Envelope
from api.events.outbox import format_cursor
from api.i18n import Language
from api.models.events import EmergencyAcknowledgement as AcknowledgementModel
from api.schema.catalogue import Priority
from api.schema.common import localised
from api.schema.errors import UserError
from api.schema.media import Media, MediaKind, MediaStatus
from api.schema.reports import ReportStatus, TimelineKind


@strawberry.type(description="The category of a report in an event.")
class EventCategory:
    code: str
    name: str
    priority: Priority
    emergency_call: str | None = strawberry.field(description="120 or 110 for emergencies, which the courier calls at once.")


@strawberry.type(description="Where a reported problem is, in WGS-84.")
class EventLocation:
    latitude: float
    longitude: float
    accuracy_m: float | None
    address: str | None


@strawberry.type(description="A community or department named in an event.")
class EventPlace:
    code: str
    name: str


@strawberry.type(description="The report an event is about, as it was when the event was published. Never names the reporter.")
class EventReport:
    id: strawberry.ID
    status: ReportStatus
    submitted_at: datetime
    category: EventCategory
    description: str
    other_text: str | None
    location: EventLocation
    community: EventPlace | None
    media: list[Media] = strawberry.field(description="READY media with presigned URLs valid for a few minutes.")


@strawberry.type(description="One change of a report. Pass its cursor as `after` to resume after it.")
class ReportEvent:
    cursor: str
    kind: TimelineKind
    occurred_at: datetime
    from_status: ReportStatus | None
    to_status: ReportStatus | None
    comment: str = strawberry.field(description="A reply, resolution note or, for staff only, an internal note.")
    department: EventPlace | None = strawberry.field(description="The department the change concerns, if any.")
    eta_minutes: int | None = strawberry.field(description="ACKNOWLEDGED events: minutes until help arrives.")
    points: int | None = strawberry.field(description="POINTS_AWARDED and POINTS_REVOKED events: the points.")
    report: EventReport


@strawberry.type(description="A department's confirmation that help is on the way to an emergency.")
class EmergencyAcknowledgement:
    report_id: strawberry.ID
    eta_minutes: int
    comment: str
    submitted_at: datetime
    acknowledged_at: datetime
    response_seconds: int = strawberry.field(description="Whole seconds from submission to this acknowledgement.")


@strawberry.input
class EmergencyAcknowledgeInput:
    report_id: strawberry.ID
    eta_minutes: int = strawberry.field(description="Minutes until help arrives, 1 to 240.")
    comment: str = ""


@strawberry.type
class EmergencyAcknowledgePayload:
    acknowledgement: EmergencyAcknowledgement | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="How fast emergencies submitted in a period were first acknowledged.")
class EmergencyResponseStatistics:
    since: datetime
    until: datetime
    acknowledged: int = strawberry.field(description="Emergencies with at least one acknowledgement.")
    median_seconds: int | None
    p90_seconds: int | None
    average_seconds: int | None
    slowest_seconds: int | None
    within_golden_time: int = strawberry.field(description="Acknowledged within 4 minutes.")
    within_limit: int = strawberry.field(description="Acknowledged within 10 minutes.")


def _place(data: dict | None, language: Language) -> EventPlace | None:
    if data is None:
        return None
    return EventPlace(code=data["code"], name=localised(language, data["name_zh"], data["name_en"]))


def _media(item: dict) -> Media:
    expires = item.get("urls_expire_at")
    return Media(
        id=strawberry.ID(item["id"]),
        kind=MediaKind(item["kind"]),
        content_type=item["content_type"],
        size_bytes=int(item["size_bytes"]),
        status=MediaStatus(item["status"]),
        created_at=datetime.fromisoformat(item["created_at"]),
        display_url=item.get("display_url"),
        thumbnail_url=item.get("thumbnail_url"),
        urls_expire_at=datetime.fromisoformat(expires) if expires else None,
    )


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def report_event_type(item: Envelope, language: Language) -> ReportEvent:
    report = item.report
    category = report["category"]
    return ReportEvent(
        cursor=format_cursor(item.cursor),
        kind=TimelineKind(item.kind),
        occurred_at=item.occurred_at,
        from_status=ReportStatus(item.from_status) if item.from_status else None,
        to_status=ReportStatus(item.to_status) if item.to_status else None,
        comment=item.comment,
        department=_place(item.department, language),
        eta_minutes=_int_or_none(item.detail.get("eta_minutes")),
        points=_int_or_none(item.detail.get("points")),
        report=EventReport(
            id=strawberry.ID(report["id"]),
            status=ReportStatus(report["status"]),
            submitted_at=datetime.fromisoformat(report["submitted_at"]),
            category=EventCategory(
                code=category["code"],
                name=localised(language, category["name_zh"], category["name_en"]),
                priority=Priority(category["priority"]),
                emergency_call=category.get("emergency_call"),
            ),
            description=report["description"],
            other_text=report.get("other_text"),
            location=EventLocation(
                latitude=report["latitude"], longitude=report["longitude"],
                accuracy_m=report.get("accuracy_m"), address=report.get("address"),
            ),
            community=_place(report.get("community"), language),
            media=[_media(m) for m in report.get("media", [])],
        ),
    )


def acknowledgement_type(model: AcknowledgementModel) -> EmergencyAcknowledgement:
    return EmergencyAcknowledgement(
        report_id=strawberry.ID(str(model.report_id)),
        eta_minutes=model.eta_minutes,
        comment=model.comment,
        submitted_at=model.submitted_at,
        acknowledged_at=model.acknowledged_at,
        response_seconds=model.response_seconds,
    )


def statistics_type(stats: ResponseStatistics) -> EmergencyResponseStatistics:
    return EmergencyResponseStatistics(
        since=stats.since, until=stats.until, acknowledged=stats.acknowledged,
        median_seconds=stats.median_seconds, p90_seconds=stats.p90_seconds,
        average_seconds=stats.average_seconds, slowest_seconds=stats.slowest_seconds,
        within_golden_time=stats.within_golden_time, within_limit=stats.within_limit,
    )
