"""GraphQL types of the catalogue: categories, departments, communities and grants."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON

from api.i18n import Language
from api.models.catalogue import Category as CategoryModel
from api.models.catalogue import Community as CommunityModel
from api.models.catalogue import Department as DepartmentModel
from api.models.catalogue import DepartmentKind as DepartmentKindModel
from api.models.catalogue import Priority as PriorityModel
from api.schema.common import localised
from api.schema.errors import UserError

Priority = strawberry.enum(PriorityModel, name="Priority", description="EMERGENCY reports tell the courier to call 120 or 110.")
DepartmentKind = strawberry.enum(DepartmentKindModel, name="DepartmentKind")


@strawberry.type(description="A kind of problem couriers report; points are whole numbers, 1 point = 1 yuan.")
class Category:
    id: strawberry.ID
    code: str
    name: str
    name_zh: str
    name_en: str
    group: str
    gb_code: str | None = strawberry.field(description="GB/T 30428 component or event code, when one fits.")
    points: int
    priority: Priority
    response_minutes: int = strawberry.field(description="Time from dispatch until the report is overdue.")
    private: bool = strawberry.field(description="Private categories (vice and drug tips) never reach communities.")
    duplicate_radius_m: int
    emergency_call: str | None = strawberry.field(description="Number to call at once: 120 or 110.")
    is_other: bool = strawberry.field(description="The catch-all category: free text, classified by the back office.")
    active: bool


@strawberry.type(description="A department that handles reports; couriers see only its name.")
class Department:
    id: strawberry.ID
    code: str
    kind: DepartmentKind
    name: str
    active: bool


@strawberry.type(description="A neighbourhood community; its boundary is GeoJSON in WGS-84 longitude and latitude.")
class Community:
    id: strawberry.ID
    code: str
    name: str
    name_zh: str
    name_en: str
    boundary: JSON | None
    active: bool


@strawberry.type(description="A department handles a category: it receives and may act on those reports.")
class Grant:
    department: Department
    category: Category


@strawberry.type
class CategoryPayload:
    category: Category | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DepartmentPayload:
    department: Department | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CommunityPayload:
    community: Community | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class GrantPayload:
    grant: Grant | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CategoryCreateInput:
    code: str
    name_zh: str
    name_en: str
    group: str
    points: int
    response_minutes: int
    priority: Priority = PriorityModel.NORMAL
    gb_code: str | None = None
    private: bool = False
    duplicate_radius_m: int = 50
    emergency_call: str | None = None
    is_other: bool = False


@strawberry.input(description="Only the fields given are changed; gbCode and emergencyCall may be set to null.")
class CategoryUpdateInput:
    code: str | None = strawberry.UNSET
    name_zh: str | None = strawberry.UNSET
    name_en: str | None = strawberry.UNSET
    group: str | None = strawberry.UNSET
    points: int | None = strawberry.UNSET
    response_minutes: int | None = strawberry.UNSET
    priority: Priority | None = strawberry.UNSET
    gb_code: str | None = strawberry.UNSET
    private: bool | None = strawberry.UNSET
    duplicate_radius_m: int | None = strawberry.UNSET
    emergency_call: str | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET


@strawberry.input
class DepartmentCreateInput:
    code: str
    kind: DepartmentKind
    name_zh: str
    name_en: str


@strawberry.input(description="Only the fields given are changed.")
class DepartmentUpdateInput:
    code: str | None = strawberry.UNSET
    kind: DepartmentKind | None = strawberry.UNSET
    name_zh: str | None = strawberry.UNSET
    name_en: str | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET


@strawberry.input
class CommunityCreateInput:
    code: str
    name_zh: str
    name_en: str
    boundary: JSON = strawberry.field(description="GeoJSON Polygon or MultiPolygon, WGS-84 longitude and latitude.")


@strawberry.input(description="Only the fields given are changed; the code is fixed.")
class CommunityUpdateInput:
    name_zh: str | None = strawberry.UNSET
    name_en: str | None = strawberry.UNSET
    boundary: JSON | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET


def given_fields(data: Any) -> dict[str, Any]:
    """Return the fields of an input object that the client actually sent."""
    return {key: value for key, value in vars(data).items() if value is not strawberry.UNSET}


def category_type(model: CategoryModel, language: Language) -> Category:
    return Category(
        id=strawberry.ID(str(model.id)),
        code=model.code,
        name=localised(language, model.name_zh, model.name_en),
        name_zh=model.name_zh,
        name_en=model.name_en,
        group=model.group,
        gb_code=model.gb_code,
        points=model.points,
        priority=model.priority,
        response_minutes=model.response_minutes,
        private=model.private,
        duplicate_radius_m=model.duplicate_radius_m,
        emergency_call=model.emergency_call,
        is_other=model.is_other,
        active=model.active,
    )


def department_type(model: DepartmentModel, language: Language) -> Department:
    return Department(
        id=strawberry.ID(str(model.id)),
        code=model.code,
        kind=model.kind,
        name=localised(language, model.name_zh, model.name_en),
        active=model.active,
    )


def community_type(model: CommunityModel, language: Language) -> Community:
    return Community(
        id=strawberry.ID(str(model.id)),
        code=model.code,
        name=localised(language, model.name_zh, model.name_en),
        name_zh=model.name_zh,
        name_en=model.name_en,
        boundary=model.boundary,
        active=model.active,
    )
