"""GraphQL types of reports: the report, its timeline, lists, inputs and payloads.

Related rows (category, departments, community, timeline, reporter, media) are
read through per-request DataLoaders, so a page costs the same number of SQL
queries whether it contains one report or a hundred.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.relay import PageInfo
from strawberry.types import Info

from api import pii
from api.models.media import Media as MediaModel
from api.models.reports import CoordinateSystem as CoordinateSystemModel
from api.models.reports import DuplicateLink as DuplicateLinkModel
from api.models.reports import DuplicateLinkStatus as DuplicateLinkStatusModel
from api.models.reports import Report as ReportModel
from api.models.reports import ReportStatus as ReportStatusModel
from api.models.reports import TimelineEntry as TimelineEntryModel
from api.models.reports import TimelineKind as TimelineKindModel
from api.models.reports import TriageReason as TriageReasonModel
from api.reports import duplicates, listing, loaders
from api.schema.catalogue import Category, Community, Department, category_type, community_type, department_type
from api.schema.common import Company, company_type
from api.schema.errors import UserError
from api.schema.identity import Role
from api.schema.media import Media, media_type

ReportStatus = strawberry.enum(ReportStatusModel, name="ReportStatus")
CoordinateSystem = strawberry.enum(
    CoordinateSystemModel, name="CoordinateSystem",
    description="WGS84 (GPS), GCJ02 (maps sold in mainland China, what phones there send) or BD09 (Baidu maps).",
)
TriageReason = strawberry.enum(TriageReasonModel, name="TriageReason")
TimelineKind = strawberry.enum(TimelineKindModel, name="TimelineKind")
DuplicateLinkStatus = strawberry.enum(DuplicateLinkStatusModel, name="DuplicateLinkStatus")


def _loader(info: Info, name: str, batch) -> DataLoader:  # type: ignore[no-untyped-def]
    return info.context.loader(name, lambda: DataLoader(load_fn=batch))


@strawberry.type(description="Where the problem is: stored in WGS-84, with the point as the phone sent it.")
class ReportLocation:
    latitude: float
    longitude: float
    accuracy_m: float | None
    address: str | None
    submitted_latitude: float
    submitted_longitude: float
    submitted_coordinate_system: CoordinateSystem


@strawberry.type(description="The reporter as staff see them: a masked name and the company, never phone or ID number.")
class ReporterSummary:
    masked_name: str
    company: Company | None


@strawberry.type(description="A staff member who acted, as other staff see them.")
class ActorSummary:
    masked_name: str
    role: Role


@strawberry.type(description="One step of a report's history. Couriers see only the entries meant for them.")
class TimelineEntry:
    _model: strawberry.Private[TimelineEntryModel]
    _internal_viewer: strawberry.Private[bool]
    id: strawberry.ID
    kind: TimelineKind
    created_at: datetime
    comment: str
    from_status: ReportStatus | None
    to_status: ReportStatus | None
    internal: bool = strawberry.field(description="True for entries never shown to the courier.")

    @strawberry.field(description="The department that acted, if a department did.")
    async def department(self, info: Info) -> Department | None:
        if self._model.department_id is None:
            return None
        model = await _loader(info, "reports.departments", loaders.departments).load(self._model.department_id)
        return department_type(model, info.context.language) if model else None

    @strawberry.field(description="Who acted; null for couriers, who see only the department's name.")
    async def actor(self, info: Info) -> ActorSummary | None:
        if not self._internal_viewer or self._model.actor_id is None:
            return None
        person = await _loader(info, "reports.people", loaders.people).load(self._model.actor_id)
        if person is None:
            return None
        user, _ = person
        return ActorSummary(masked_name=pii.mask_name(user.real_name), role=user.role)


def timeline_entry_type(model: TimelineEntryModel, internal_viewer: bool) -> TimelineEntry:
    return TimelineEntry(
        _model=model,
        _internal_viewer=internal_viewer,
        id=strawberry.ID(str(model.id)),
        kind=model.kind,
        created_at=model.created_at,
        comment=model.comment,
        from_status=model.from_status,
        to_status=model.to_status,
        internal=not model.visible_to_reporter,
    )


@strawberry.type(description="A link between a report and an earlier open one nearby of the same category.")
class DuplicateLink:
    id: strawberry.ID
    original_id: strawberry.ID
    distance_m: float
    status: DuplicateLinkStatus
    decided_at: datetime | None


@strawberry.type(description="A problem a courier reported and what has happened to it.")
class Report:
    _model: strawberry.Private[ReportModel]
    _internal_viewer: strawberry.Private[bool]
    id: strawberry.ID
    status: ReportStatus
    other_text: str | None = strawberry.field(description="The courier's own words for a report filed under Other.")
    description: str
    location: ReportLocation
    outside_communities: bool = strawberry.field(description="True when the point lies outside every community.")
    due_at: datetime | None
    overdue: bool
    created_at: datetime
    dispatched_at: datetime | None
    accepted_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    duplicate_of_id: strawberry.ID | None

    @strawberry.field
    async def category(self, info: Info) -> Category:
        model = await _loader(info, "reports.categories", loaders.categories).load(self._model.category_id)
        return category_type(model, info.context.language)

    @strawberry.field(description="The community whose area contains the report, if any.")
    async def community(self, info: Info) -> Community | None:
        if self._model.community_id is None:
            return None
        model = await _loader(info, "reports.communities", loaders.communities).load(self._model.community_id)
        return community_type(model, info.context.language) if model else None

    @strawberry.field(description="The departments handling the report now; empty while it waits in triage.")
    async def departments(self, info: Info) -> list[Department]:
        models = await _loader(info, "reports.owners", loaders.owner_departments).load(self._model.id)
        return [department_type(m, info.context.language) for m in models]

    @strawberry.field(description="Why the report waits in triage; null for couriers.")
    def triage_reason(self) -> TriageReason | None:
        return self._model.triage_reason if self._internal_viewer else None

    @strawberry.field(description="Staff and admins only: masked name and company. Null for couriers.")
    async def reporter(self, info: Info) -> ReporterSummary | None:
        if not self._internal_viewer or self._model.reporter_id is None:
            return None
        person = await _loader(info, "reports.people", loaders.people).load(self._model.reporter_id)
        if person is None:
            return None
        user, profile = person
        company = company_type(profile.company, info.context.language) if profile else None
        return ReporterSummary(masked_name=pii.mask_name(user.real_name), company=company)

    @strawberry.field(description="The history, oldest first; couriers never see internal notes.")
    async def timeline(self, info: Info) -> list[TimelineEntry]:
        if self._internal_viewer:
            batch = _loader(info, "reports.timeline.all", loaders.timeline(include_internal=True))
        else:
            batch = _loader(info, "reports.timeline.public", loaders.timeline(include_internal=False))
        return [timeline_entry_type(e, self._internal_viewer) for e in await batch.load(self._model.id)]

    @strawberry.field(description="Staff and admins only: links to earlier reports that may be the same problem.")
    async def possible_duplicates(self, info: Info) -> list[DuplicateLink]:
        if not self._internal_viewer:
            return []
        links = await _loader(info, "reports.duplicates", _duplicate_batch).load(self._model.id)
        return [duplicate_link_type(link) for link in links]

    @strawberry.field(
        description="Admins only: other reports carrying a photo with the same pixels, for the verifier to check."
    )
    async def photo_reused_in(self, info: Info) -> list[strawberry.ID]:
        principal = await info.context.principal()
        if principal is None or not principal.is_admin:
            return []
        batch = _loader(info, "reports.photo_reuse", _photo_reuse_batch)
        return [strawberry.ID(str(report_id)) for report_id in await batch.load(self._model.id)]

    @strawberry.field(description="Photos, videos and voice recordings attached to the report.")
    async def media(self, info: Info) -> list[Media]:
        rows = await _loader(info, "reports.media", _media_batch).load(self._model.id)
        return [await media_type(row) for row in rows]


async def _photo_reuse_batch(report_ids: list[uuid.UUID]) -> list[list[uuid.UUID]]:
    from api.points.guards import reports_sharing_photos

    shared = await reports_sharing_photos(report_ids)
    return [shared[i] for i in report_ids]


async def _duplicate_batch(report_ids: list[uuid.UUID]) -> list[list[DuplicateLinkModel]]:
    grouped = await duplicates.links_of(report_ids)
    return [grouped[i] for i in report_ids]


async def _media_batch(report_ids: list[uuid.UUID]) -> list[list[MediaModel]]:
    grouped: dict[uuid.UUID, list] = {i: [] for i in report_ids}
    for row in await MediaModel.filter(report_id__in=report_ids).order_by("created_at", "id"):
        grouped[row.report_id].append(row)
    return [grouped[i] for i in report_ids]


def duplicate_link_type(link: DuplicateLinkModel) -> DuplicateLink:
    return DuplicateLink(
        id=strawberry.ID(str(link.id)),
        original_id=strawberry.ID(str(link.original_id)),
        distance_m=link.distance_m,
        status=link.status,
        decided_at=link.decided_at,
    )


def report_type(model: ReportModel, *, internal_viewer: bool) -> Report:
    return Report(
        _model=model,
        _internal_viewer=internal_viewer,
        id=strawberry.ID(str(model.id)),
        status=model.status,
        other_text=model.other_text,
        description=model.description,
        location=ReportLocation(
            latitude=model.latitude,
            longitude=model.longitude,
            accuracy_m=model.accuracy_m,
            address=model.address,
            submitted_latitude=model.submitted_latitude,
            submitted_longitude=model.submitted_longitude,
            submitted_coordinate_system=model.submitted_coordinate_system,
        ),
        outside_communities=model.outside_communities,
        due_at=model.due_at,
        overdue=listing.is_overdue(model),
        created_at=model.created_at,
        dispatched_at=model.dispatched_at,
        accepted_at=model.accepted_at,
        resolved_at=model.resolved_at,
        closed_at=model.closed_at,
        duplicate_of_id=strawberry.ID(str(model.duplicate_of_id)) if model.duplicate_of_id else None,
    )


@strawberry.type
class ReportEdge:
    cursor: str
    node: Report


@strawberry.type(description="A page of reports, newest first.")
class ReportConnection:
    edges: list[ReportEdge]
    page_info: PageInfo


def connection_type(page: listing.Page, *, internal_viewer: bool) -> ReportConnection:
    return ReportConnection(
        edges=[
            ReportEdge(cursor=page.cursor_of(r), node=report_type(r, internal_viewer=internal_viewer))
            for r in page.reports
        ],
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=False,
            start_cursor=page.cursor_of(page.reports[0]) if page.reports else None,
            end_cursor=page.end_cursor,
        ),
    )


@strawberry.input(description="A point and the coordinate system it is in.")
class LocationInput:
    latitude: float
    longitude: float
    coordinate_system: CoordinateSystem
    accuracy_m: float | None = strawberry.field(default=None, description="Radius of the phone's fix, in metres.")
    address: str | None = None


@strawberry.input
class ReportSubmitInput:
    category_code: str
    location: LocationInput
    idempotency_key: str = strawberry.field(
        description="Generated by the client once per report (8 to 128 letters, digits, - or _); a retry sends it again."
    )
    description: str = strawberry.field(default="", description="At most 2,000 characters.")
    other_text: str | None = strawberry.field(default=None, description="Required with the Other category.")
    media_ids: list[strawberry.ID] | None = None


@strawberry.input(description="Filters of the staff report list; all given filters apply together.")
class ReportFilterInput:
    statuses: list[ReportStatus] | None = None
    category_code: str | None = None
    community_code: str | None = None
    department_code: str | None = strawberry.field(default=None, description="Admins only.")
    created_from: datetime | None = None
    created_to: datetime | None = None
    overdue: bool | None = None
    outside_communities: bool | None = None


@strawberry.type
class ReportSubmitPayload:
    report: Report | None = None
    reply_message: str | None = strawberry.field(default=None, description="Where the report went, for the courier.")
    emergency_call: str | None = strawberry.field(default=None, description="Number to call at once: 120 or 110.")
    emergency_message: str | None = None
    replayed: bool = strawberry.field(default=False, description="True when a retry returned the earlier report.")
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReportPayload:
    report: Report | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class StatusCount:
    status: ReportStatus
    count: int


@strawberry.type
class CategoryCount:
    category: Category
    count: int


@strawberry.type
class DepartmentCount:
    department: Department
    count: int


@strawberry.type
class CommunityCount:
    community: Community | None = strawberry.field(description="Null counts reports outside every community.")
    count: int


@strawberry.type(description="Reports of the jurisdiction in a time range.")
class ReportStatistics:
    total: int
    by_status: list[StatusCount]
    by_category: list[CategoryCount]
    by_department: list[DepartmentCount]
    by_community: list[CommunityCount]
    overdue: int
    median_seconds_to_accept: float | None = strawberry.field(description="From dispatch to acceptance.")
    median_seconds_to_resolve: float | None = strawberry.field(description="From submission to resolution.")
