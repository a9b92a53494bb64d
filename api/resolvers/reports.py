"""Report queries and mutations: submission, the department port and the back office's triage."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import strawberry
from strawberry.types import Info

from api.auth.principal import Principal, require_principal, require_role
from api.errors import NotFound, ValidationFailed
from api.models.catalogue import Category as CategoryModel
from api.models.catalogue import Community as CommunityModel
from api.models.catalogue import Department as DepartmentModel
from api.models.identity import Role
from api.models.reports import Report as ReportModel
from api.models.reports import ReportStatus as ReportStatusModel
from api.reports import access, actions, duplicates, listing, statistics, submission
from api.reports.messages import emergency_reply, routed_reply
from api.resolvers.base import context_of, parse_uuid
from api.schema.catalogue import category_type, community_type, department_type
from api.schema.errors import user_errors
from api.schema.reports import (
    CategoryCount,
    CommunityCount,
    DepartmentCount,
    Report,
    ReportConnection,
    ReportFilterInput,
    ReportPayload,
    ReportStatistics,
    ReportStatus,
    ReportSubmitInput,
    ReportSubmitPayload,
    StatusCount,
    connection_type,
    report_type,
)


async def _code_to_id(model, jurisdiction_id: int, code: str | None, field: str, problem: str) -> int | None:  # type: ignore[no-untyped-def]
    if code is None:
        return None
    row_id = await model.filter(jurisdiction_id=jurisdiction_id, code=code.strip()).first().values_list("id", flat=True)
    if row_id is None:
        raise ValidationFailed.single(field, problem)
    return row_id


async def _report_filter(principal: Principal, given: ReportFilterInput | None) -> listing.ReportFilter:
    if given is None:
        return listing.ReportFilter()
    jurisdiction_id = principal.jurisdiction_id
    return listing.ReportFilter(
        statuses=list(given.statuses) if given.statuses else None,
        category_id=await _code_to_id(CategoryModel, jurisdiction_id, given.category_code,
                                      "filter.categoryCode", "CATEGORY_UNKNOWN"),
        community_id=await _code_to_id(CommunityModel, jurisdiction_id, given.community_code,
                                       "filter.communityCode", "COMMUNITY_UNKNOWN"),
        department_id=await _code_to_id(DepartmentModel, jurisdiction_id, given.department_code,
                                        "filter.departmentCode", "DEPARTMENT_UNKNOWN"),
        created_from=given.created_from,
        created_to=given.created_to,
        overdue=given.overdue,
        outside_communities=given.outside_communities,
    )


@strawberry.type
class ReportsQuery:
    @strawberry.field(description="Courier: your own reports, newest first.")
    async def my_reports(
        self, info: Info, first: int = listing.DEFAULT_PAGE, after: str | None = None,
        statuses: list[ReportStatus] | None = None,
    ) -> ReportConnection:
        courier = require_role(await context_of(info).principal(), Role.COURIER)
        query = access.visible_reports(courier)
        query = listing.apply_filter(query, listing.ReportFilter(statuses=list(statuses) if statuses else None))
        return connection_type(await listing.page(query, first=first, after=after), internal_viewer=False)

    @strawberry.field(description="One report you may see; any other id is NOT_FOUND.")
    async def report(self, info: Info, id: strawberry.ID) -> Report:
        principal = require_principal(await context_of(info).principal())
        model = await access.get_visible_report(principal, parse_uuid(id))
        return report_type(model, internal_viewer=access.sees_internal_entries(principal))

    @strawberry.field(description="Staff: reports of your department's categories. Admin: every report of the jurisdiction.")
    async def reports(
        self, info: Info, filter: ReportFilterInput | None = None, first: int = listing.DEFAULT_PAGE,
        after: str | None = None,
    ) -> ReportConnection:
        staff = access.require_staff(await context_of(info).principal())
        query = listing.apply_filter(access.visible_reports(staff), await _report_filter(staff, filter))
        return connection_type(await listing.page(query, first=first, after=after), internal_viewer=True)

    @strawberry.field(description="Admin: reports waiting for a person to classify or route them, newest first.")
    async def triage_queue(self, info: Info, first: int = listing.DEFAULT_PAGE, after: str | None = None) -> ReportConnection:
        admin = require_role(await context_of(info).principal(), Role.ADMIN)
        query = access.visible_reports(admin).filter(status=ReportStatusModel.TRIAGE)
        return connection_type(await listing.page(query, first=first, after=after), internal_viewer=True)

    @strawberry.field(description="Admin: counts, median response times and overdue reports, by submission time.")
    async def report_statistics(
        self, info: Info, created_from: datetime | None = None, created_to: datetime | None = None
    ) -> ReportStatistics:
        context = context_of(info)
        result = await statistics.report_statistics(
            await context.principal(), created_from=created_from, created_to=created_to
        )
        return await _statistics_type(result, context.language)


async def _statistics_type(result: statistics.ReportStatistics, language) -> ReportStatistics:  # type: ignore[no-untyped-def]
    categories = {c.id: c for c in await CategoryModel.filter(id__in=list(result.by_category))}
    departments = {d.id: d for d in await DepartmentModel.filter(id__in=list(result.by_department))}
    community_ids = [i for i in result.by_community if i is not None]
    communities = {c.id: c for c in await CommunityModel.filter(id__in=community_ids)}
    return ReportStatistics(
        total=result.total,
        by_status=[StatusCount(status=ReportStatusModel(s), count=n) for s, n in sorted(result.by_status.items())],
        by_category=[CategoryCount(category=category_type(categories[i], language), count=n)
                     for i, n in sorted(result.by_category.items())],
        by_department=[DepartmentCount(department=department_type(departments[i], language), count=n)
                       for i, n in sorted(result.by_department.items())],
        by_community=[
            CommunityCount(community=community_type(communities[i], language) if i is not None else None, count=n)
            for i, n in sorted(result.by_community.items(), key=lambda item: (item[0] is None, item[0] or 0))
        ],
        overdue=result.overdue,
        median_seconds_to_accept=result.median_seconds_to_accept,
        median_seconds_to_resolve=result.median_seconds_to_resolve,
    )


async def _act(info: Info, action: Callable[[Principal | None], Awaitable[ReportModel]]) -> ReportPayload:
    context = context_of(info)
    principal = await context.principal()
    try:
        model = await action(principal)
    except ValidationFailed as error:
        return ReportPayload(errors=user_errors(error, context.language))
    assert principal is not None
    return ReportPayload(report=report_type(model, internal_viewer=access.sees_internal_entries(principal)))


def _link_id(value: strawberry.ID) -> int:
    try:
        return int(str(value))
    except ValueError as error:
        raise NotFound() from error


@strawberry.type
class ReportsMutation:
    @strawberry.mutation(description="Courier: report a problem. A retry with the same idempotencyKey returns the same report.")
    async def report_submit(self, info: Info, input: ReportSubmitInput) -> ReportSubmitPayload:
        context = context_of(info)
        location = input.location
        data = submission.SubmissionInput(
            category_code=input.category_code,
            latitude=location.latitude,
            longitude=location.longitude,
            coordinate_system=location.coordinate_system,
            accuracy_m=location.accuracy_m,
            address=location.address,
            idempotency_key=input.idempotency_key,
            description=input.description,
            other_text=input.other_text,
            media_ids=[str(m) for m in input.media_ids or []],
        )
        try:
            result = await submission.submit(await context.principal(), data)
        except ValidationFailed as error:
            return ReportSubmitPayload(errors=user_errors(error, context.language))
        return ReportSubmitPayload(
            report=report_type(result.report, internal_viewer=False),
            reply_message=routed_reply(context.language, result.category, result.departments),
            emergency_call=result.category.emergency_call if emergency_reply(context.language, result.category) else None,
            emergency_message=emergency_reply(context.language, result.category),
            replayed=result.replayed,
        )

    @strawberry.mutation(description="Department: take on a dispatched report.")
    async def report_accept(self, info: Info, id: strawberry.ID, comment: str = "") -> ReportPayload:
        return await _act(info, lambda p: actions.accept(p, parse_uuid(id), comment))

    @strawberry.mutation(description="Department: send the courier a message; it shows the department's name only.")
    async def report_reply(self, info: Info, id: strawberry.ID, text: str) -> ReportPayload:
        return await _act(info, lambda p: actions.reply(p, parse_uuid(id), text))

    @strawberry.mutation(description="Staff: add an internal note, never shown to the courier.")
    async def report_note_add(self, info: Info, id: strawberry.ID, text: str) -> ReportPayload:
        return await _act(info, lambda p: actions.add_note(p, parse_uuid(id), text))

    @strawberry.mutation(description="Department: mark the problem solved, saying what was done.")
    async def report_resolve(self, info: Info, id: strawberry.ID, comment: str) -> ReportPayload:
        return await _act(info, lambda p: actions.resolve(p, parse_uuid(id), comment))

    @strawberry.mutation(description="Department or admin: reject the report with a reason the courier sees.")
    async def report_reject(self, info: Info, id: strawberry.ID, reason: str) -> ReportPayload:
        return await _act(info, lambda p: actions.reject(p, parse_uuid(id), reason))

    @strawberry.mutation(description="Department: \"not ours\"; the report goes back to triage with the reason.")
    async def report_hand_back(self, info: Info, id: strawberry.ID, reason: str) -> ReportPayload:
        return await _act(info, lambda p: actions.hand_back(p, parse_uuid(id), reason))

    @strawberry.mutation(description="Department or admin: reopen a resolved report that is not solved after all.")
    async def report_reopen(self, info: Info, id: strawberry.ID, comment: str) -> ReportPayload:
        return await _act(info, lambda p: actions.reopen(p, parse_uuid(id), comment))

    @strawberry.mutation(description="Admin: give a report in triage its category, which routes it.")
    async def report_classify(
        self, info: Info, id: strawberry.ID, category_code: str, comment: str = ""
    ) -> ReportPayload:
        return await _act(info, lambda p: actions.classify(p, parse_uuid(id), category_code, comment))

    @strawberry.mutation(description="Department or admin: change the category, which re-routes the report at once.")
    async def report_category_change(
        self, info: Info, id: strawberry.ID, category_code: str, comment: str
    ) -> ReportPayload:
        return await _act(info, lambda p: actions.change_category(p, parse_uuid(id), category_code, comment))

    @strawberry.mutation(description="Staff: confirm a possible duplicate; the report becomes DUPLICATE of the original.")
    async def report_duplicate_confirm(self, info: Info, link_id: strawberry.ID, comment: str = "") -> ReportPayload:
        return await _act(info, lambda p: _decide(p, _link_id(link_id), True, comment))

    @strawberry.mutation(description="Staff: dismiss a possible duplicate; the report stays as it is.")
    async def report_duplicate_dismiss(self, info: Info, link_id: strawberry.ID, comment: str = "") -> ReportPayload:
        return await _act(info, lambda p: _decide(p, _link_id(link_id), False, comment))


async def _decide(principal: Principal | None, link_id: int, confirm: bool, comment: str) -> ReportModel:
    text = actions.clean_comment(comment, required=False)
    link = await duplicates.decide(principal, link_id, confirm=confirm, comment=text)
    return await ReportModel.get(id=link.report_id)
