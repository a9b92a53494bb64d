"""Queries of the catalogue and the admin mutations that edit it."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.auth.principal import require_principal, require_role
from api.catalogue import service
from api.errors import ValidationFailed
from api.models.catalogue import Category as CategoryModel
from api.models.catalogue import Community as CommunityModel
from api.models.catalogue import Department as DepartmentModel
from api.models.catalogue import Grant as GrantModel
from api.models.identity import Role
from api.resolvers.base import context_of, parse_int_id
from api.schema.catalogue import (
    Category,
    CategoryCreateInput,
    CategoryPayload,
    CategoryUpdateInput,
    Community,
    CommunityCreateInput,
    CommunityPayload,
    CommunityUpdateInput,
    Department,
    DepartmentCreateInput,
    DepartmentPayload,
    DepartmentUpdateInput,
    Grant,
    GrantPayload,
    category_type,
    community_type,
    department_type,
    given_fields,
)
from api.schema.errors import user_errors


@strawberry.type
class CatalogueQuery:
    @strawberry.field(description="Categories of the caller's jurisdiction; inactive ones only for admins who ask.")
    async def categories(self, info: Info, include_inactive: bool = False) -> list[Category]:
        context = context_of(info)
        principal = require_principal(await context.principal())
        query = CategoryModel.filter(jurisdiction_id=principal.jurisdiction_id)
        if not (include_inactive and principal.is_admin):
            query = query.filter(active=True)
        return [category_type(c, context.language) for c in await query.order_by("group", "code")]

    @strawberry.field(description="Departments of the caller's jurisdiction; inactive ones only for admins who ask.")
    async def departments(self, info: Info, include_inactive: bool = False) -> list[Department]:
        context = context_of(info)
        principal = require_principal(await context.principal())
        query = DepartmentModel.filter(jurisdiction_id=principal.jurisdiction_id)
        if not (include_inactive and principal.is_admin):
            query = query.filter(active=True)
        return [department_type(d, context.language) for d in await query.order_by("code")]

    @strawberry.field(description="Communities of the caller's jurisdiction with their boundaries.")
    async def communities(self, info: Info, include_inactive: bool = False) -> list[Community]:
        context = context_of(info)
        principal = require_principal(await context.principal())
        query = CommunityModel.filter(jurisdiction_id=principal.jurisdiction_id)
        if not (include_inactive and principal.is_admin):
            query = query.filter(active=True)
        return [community_type(c, context.language) for c in await query.order_by("code")]

    @strawberry.field(description="Admin: which department handles which category.")
    async def grants(self, info: Info) -> list[Grant]:
        context = context_of(info)
        admin = require_role(await context.principal(), Role.ADMIN)
        rows = await (
            GrantModel.filter(department__jurisdiction_id=admin.jurisdiction_id)
            .select_related("department", "category")
            .order_by("department_id", "category_id")
        )
        return [_grant_type(g, context.language) for g in rows]


def _grant_type(grant: GrantModel, language) -> Grant:  # type: ignore[no-untyped-def]
    return Grant(department=department_type(grant.department, language),
                 category=category_type(grant.category, language))


def _id(value: strawberry.ID, field: str, code: str) -> int:
    parsed = parse_int_id(value, field, code)
    assert parsed is not None
    return parsed


@strawberry.type
class CatalogueMutation:
    @strawberry.mutation(description="Admin: add a category; it can be reported from the next submission on.")
    async def category_create(self, info: Info, input: CategoryCreateInput) -> CategoryPayload:
        context = context_of(info)
        try:
            row = await service.create_category(await context.principal(), given_fields(input))
        except ValidationFailed as error:
            return CategoryPayload(errors=user_errors(error, context.language))
        return CategoryPayload(category=category_type(row, context.language))

    @strawberry.mutation(description="Admin: change a category; the next report uses the new values.")
    async def category_update(self, info: Info, id: strawberry.ID, input: CategoryUpdateInput) -> CategoryPayload:
        context = context_of(info)
        try:
            category_id = _id(id, "id", "CATEGORY_UNKNOWN")
            row = await service.update_category(await context.principal(), category_id, given_fields(input))
        except ValidationFailed as error:
            return CategoryPayload(errors=user_errors(error, context.language))
        return CategoryPayload(category=category_type(row, context.language))

    @strawberry.mutation(description="Admin: add a department.")
    async def department_create(self, info: Info, input: DepartmentCreateInput) -> DepartmentPayload:
        context = context_of(info)
        try:
            row = await service.create_department(await context.principal(), given_fields(input))
        except ValidationFailed as error:
            return DepartmentPayload(errors=user_errors(error, context.language))
        return DepartmentPayload(department=department_type(row, context.language))

    @strawberry.mutation(description="Admin: rename, recode or deactivate a department.")
    async def department_update(self, info: Info, id: strawberry.ID, input: DepartmentUpdateInput) -> DepartmentPayload:
        context = context_of(info)
        try:
            department_id = _id(id, "id", "DEPARTMENT_UNKNOWN")
            row = await service.update_department(await context.principal(), department_id, given_fields(input))
        except ValidationFailed as error:
            return DepartmentPayload(errors=user_errors(error, context.language))
        return DepartmentPayload(department=department_type(row, context.language))

    @strawberry.mutation(description="Admin: add a community with its boundary, and the department that works it.")
    async def community_create(self, info: Info, input: CommunityCreateInput) -> CommunityPayload:
        context = context_of(info)
        try:
            row = await service.create_community(await context.principal(), given_fields(input))
        except ValidationFailed as error:
            return CommunityPayload(errors=user_errors(error, context.language))
        return CommunityPayload(community=community_type(row, context.language))

    @strawberry.mutation(description="Admin: rename a community, redraw its boundary or deactivate it.")
    async def community_update(self, info: Info, id: strawberry.ID, input: CommunityUpdateInput) -> CommunityPayload:
        context = context_of(info)
        try:
            community_id = _id(id, "id", "COMMUNITY_UNKNOWN")
            row = await service.update_community(await context.principal(), community_id, given_fields(input))
        except ValidationFailed as error:
            return CommunityPayload(errors=user_errors(error, context.language))
        return CommunityPayload(community=community_type(row, context.language))

    @strawberry.mutation(description="Admin: let a department handle a category.")
    async def grant_create(self, info: Info, department_id: strawberry.ID, category_id: strawberry.ID) -> GrantPayload:
        context = context_of(info)
        try:
            grant = await service.create_grant(
                await context.principal(),
                _id(department_id, "departmentId", "DEPARTMENT_UNKNOWN"),
                _id(category_id, "categoryId", "CATEGORY_UNKNOWN"),
            )
        except ValidationFailed as error:
            return GrantPayload(errors=user_errors(error, context.language))
        await grant.fetch_related("department", "category")
        return GrantPayload(grant=_grant_type(grant, context.language))

    @strawberry.mutation(description="Admin: stop a department handling a category; it loses access to those reports.")
    async def grant_delete(self, info: Info, department_id: strawberry.ID, category_id: strawberry.ID) -> GrantPayload:
        context = context_of(info)
        try:
            await service.delete_grant(
                await context.principal(),
                _id(department_id, "departmentId", "DEPARTMENT_UNKNOWN"),
                _id(category_id, "categoryId", "CATEGORY_UNKNOWN"),
            )
        except ValidationFailed as error:
            return GrantPayload(errors=user_errors(error, context.language))
        return GrantPayload()
