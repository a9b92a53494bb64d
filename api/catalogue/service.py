"""Admin editing of categories, departments, communities and grants.

Every change is checked before it is written, written in one transaction with
an audit entry, and used from the next report on: routing reads categories and
grants per report and rebuilds its community index when a boundary changes.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from tortoise.transactions import in_transaction

from api import audit
from api.auth.principal import Principal, require_role
from api.catalogue import messages  # noqa: F401 - registers the catalogue messages
from api.errors import FieldProblem, NotFound, ValidationFailed
from api.geo.communities import BoundaryInvalid, parse_boundary
from api.models.catalogue import Category, Community, Department, DepartmentKind, Grant, Priority
from api.models.identity import Role

logger = logging.getLogger(__name__)

CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
GB_CODE = re.compile(r"^[0-9]{1,16}$")
CALL_NUMBER = re.compile(r"^[0-9]{3,8}$")
MAX_NAME = 128
MAX_GROUP = 64
MAX_POINTS = 100_000
MAX_RESPONSE_MINUTES = 60 * 24 * 30
MAX_RADIUS_M = 5_000

CATEGORY_FIELDS = {
    "code", "name_zh", "name_en", "group", "gb_code", "points", "priority", "response_minutes",
    "private", "duplicate_radius_m", "emergency_call", "is_other", "active",
}
DEPARTMENT_FIELDS = {"code", "kind", "name_zh", "name_en", "active"}
COMMUNITY_FIELDS = {"code", "name_zh", "name_en", "boundary", "active"}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _check_names(values: dict[str, Any], problems: list[FieldProblem]) -> None:
    for key, field in (("name_zh", "nameZh"), ("name_en", "nameEn")):
        if key in values:
            values[key] = _text(values[key])
            if not 1 <= len(values[key]) <= MAX_NAME:
                problems.append(FieldProblem(field, "CATALOGUE_NAME_INVALID", {"max": MAX_NAME}))


async def _check_code(model, jurisdiction_id: int, values: dict[str, Any], problems, *, own_id=None) -> None:  # type: ignore[no-untyped-def]
    if "code" not in values:
        return
    values["code"] = _text(values["code"])
    if not CODE.match(values["code"]):
        problems.append(FieldProblem("code", "CATALOGUE_CODE_INVALID"))
        return
    taken = model.filter(jurisdiction_id=jurisdiction_id, code=values["code"])
    if own_id is not None:
        taken = taken.exclude(id=own_id)
    if await taken.exists():
        problems.append(FieldProblem("code", "CATALOGUE_CODE_TAKEN"))


def _check_category_values(values: dict[str, Any], merged: dict[str, Any], problems: list[FieldProblem]) -> None:
    if "group" in values:
        values["group"] = _text(values["group"])
        if not 1 <= len(values["group"]) <= MAX_GROUP:
            problems.append(FieldProblem("group", "CATEGORY_GROUP_INVALID", {"max": MAX_GROUP}))
    if "gb_code" in values:
        values["gb_code"] = _text(values["gb_code"]) or None
        if values["gb_code"] is not None and not GB_CODE.match(values["gb_code"]):
            problems.append(FieldProblem("gbCode", "CATEGORY_GB_CODE_INVALID"))
    if "points" in values and not (isinstance(values["points"], int) and 0 <= values["points"] <= MAX_POINTS):
        problems.append(FieldProblem("points", "CATEGORY_POINTS_INVALID", {"max": MAX_POINTS}))
    minutes = values.get("response_minutes", 1)
    if not (isinstance(minutes, int) and 1 <= minutes <= MAX_RESPONSE_MINUTES):
        problems.append(FieldProblem("responseMinutes", "CATEGORY_RESPONSE_MINUTES_INVALID",
                                     {"max": MAX_RESPONSE_MINUTES}))
    radius = values.get("duplicate_radius_m", 0)
    if not (isinstance(radius, int) and 0 <= radius <= MAX_RADIUS_M):
        problems.append(FieldProblem("duplicateRadiusM", "CATEGORY_RADIUS_INVALID", {"max": MAX_RADIUS_M}))
    if "emergency_call" in values:
        values["emergency_call"] = _text(values["emergency_call"]) or None
        merged["emergency_call"] = values["emergency_call"]
    call = merged.get("emergency_call")
    if (call is not None and not CALL_NUMBER.match(call)) or (merged.get("priority") is Priority.EMERGENCY and not call):
        problems.append(FieldProblem("emergencyCall", "CATEGORY_EMERGENCY_CALL_INVALID"))


async def create_category(principal: Principal | None, values: dict[str, Any]) -> Category:
    admin = require_role(principal, Role.ADMIN)
    values = {k: v for k, v in values.items() if k in CATEGORY_FIELDS}
    values.setdefault("priority", Priority.NORMAL)
    problems: list[FieldProblem] = []
    for required, field in (("code", "code"), ("group", "group"), ("points", "points"),
                            ("response_minutes", "responseMinutes")):
        if values.get(required) is None:
            problems.append(FieldProblem(field, "FIELD_REQUIRED"))
    values.setdefault("name_zh", "")
    values.setdefault("name_en", "")
    _check_names(values, problems)
    await _check_code(Category, admin.jurisdiction_id, values, problems)
    _check_category_values(values, dict(values), problems)
    if values.get("is_other") and await Category.exists(jurisdiction_id=admin.jurisdiction_id, is_other=True):
        problems.append(FieldProblem("isOther", "CATEGORY_OTHER_EXISTS"))
    if problems:
        raise ValidationFailed(problems)

    async with in_transaction():
        category = await Category.create(jurisdiction_id=admin.jurisdiction_id, **values)
        await _audit(admin, "catalogue.category.create", "category", category.id, values)
    return category


async def update_category(principal: Principal | None, category_id: int, changes: dict[str, Any]) -> Category:
    admin = require_role(principal, Role.ADMIN)
    changes = {k: v for k, v in changes.items() if k in CATEGORY_FIELDS - {"is_other"}}
    category = await Category.get_or_none(id=category_id, jurisdiction_id=admin.jurisdiction_id)
    if category is None:
        raise NotFound()
    problems: list[FieldProblem] = []
    for key in ("code", "group", "points", "response_minutes", "priority", "private", "duplicate_radius_m", "active"):
        if key in changes and changes[key] is None:
            problems.append(FieldProblem(_camel(key), "FIELD_REQUIRED"))
    _check_names(changes, problems)
    await _check_code(Category, admin.jurisdiction_id, changes, problems, own_id=category.id)
    merged = {"priority": category.priority, "emergency_call": category.emergency_call, **changes}
    _check_category_values(changes, merged, problems)
    if problems:
        raise ValidationFailed(problems)
    return await _save(admin, category, changes, "catalogue.category.update", "category")


async def create_department(principal: Principal | None, values: dict[str, Any]) -> Department:
    admin = require_role(principal, Role.ADMIN)
    values = {k: v for k, v in values.items() if k in DEPARTMENT_FIELDS}
    values.setdefault("name_zh", "")
    values.setdefault("name_en", "")
    values.setdefault("code", "")
    problems: list[FieldProblem] = []
    _check_names(values, problems)
    await _check_code(Department, admin.jurisdiction_id, values, problems)
    if values.get("kind") in (None, DepartmentKind.COMMUNITY):
        problems.append(FieldProblem("kind", "DEPARTMENT_KIND_INVALID"))
    if problems:
        raise ValidationFailed(problems)

    async with in_transaction():
        department = await Department.create(jurisdiction_id=admin.jurisdiction_id, **values)
        await _audit(admin, "catalogue.department.create", "department", department.id, values)
    return department


async def update_department(principal: Principal | None, department_id: int, changes: dict[str, Any]) -> Department:
    admin = require_role(principal, Role.ADMIN)
    changes = {k: v for k, v in changes.items() if k in DEPARTMENT_FIELDS and v is not None}
    department = await Department.get_or_none(id=department_id, jurisdiction_id=admin.jurisdiction_id)
    if department is None:
        raise NotFound()
    problems: list[FieldProblem] = []
    _check_names(changes, problems)
    await _check_code(Department, admin.jurisdiction_id, changes, problems, own_id=department.id)
    if "kind" in changes and (changes["kind"] is DepartmentKind.COMMUNITY) != (department.kind is DepartmentKind.COMMUNITY):
        problems.append(FieldProblem("kind", "DEPARTMENT_KIND_INVALID"))
    if problems:
        raise ValidationFailed(problems)
    return await _save(admin, department, changes, "catalogue.department.update", "department")


def _check_boundary(values: dict[str, Any], problems: list[FieldProblem]) -> None:
    if "boundary" not in values:
        return
    try:
        parse_boundary(values["boundary"])
    except BoundaryInvalid:
        problems.append(FieldProblem("boundary", "BOUNDARY_INVALID"))


async def create_community(principal: Principal | None, values: dict[str, Any]) -> Community:
    """Create a community and the department that receives the reports inside its boundary."""
    admin = require_role(principal, Role.ADMIN)
    values = {k: v for k, v in values.items() if k in COMMUNITY_FIELDS}
    values.setdefault("name_zh", "")
    values.setdefault("name_en", "")
    values.setdefault("code", "")
    values.setdefault("boundary", None)
    problems: list[FieldProblem] = []
    _check_names(values, problems)
    await _check_code(Community, admin.jurisdiction_id, values, problems)
    department_code = f"community-{values['code']}"
    if not problems and await Department.exists(jurisdiction_id=admin.jurisdiction_id, code=department_code):
        problems.append(FieldProblem("code", "CATALOGUE_CODE_TAKEN"))
    _check_boundary(values, problems)
    if problems:
        raise ValidationFailed(problems)

    async with in_transaction():
        department = await Department.create(
            jurisdiction_id=admin.jurisdiction_id, code=department_code, kind=DepartmentKind.COMMUNITY,
            name_zh=values["name_zh"], name_en=values["name_en"],
        )
        community = await Community.create(jurisdiction_id=admin.jurisdiction_id, department=department, **values)
        await _audit(admin, "catalogue.community.create", "community", community.id,
                     {k: v for k, v in values.items() if k != "boundary"})
    return community


async def update_community(principal: Principal | None, community_id: int, changes: dict[str, Any]) -> Community:
    admin = require_role(principal, Role.ADMIN)
    changes = {k: v for k, v in changes.items() if k in COMMUNITY_FIELDS - {"code"} and v is not None}
    community = await Community.get_or_none(id=community_id, jurisdiction_id=admin.jurisdiction_id)
    if community is None:
        raise NotFound()
    problems: list[FieldProblem] = []
    _check_names(changes, problems)
    _check_boundary(changes, problems)
    if problems:
        raise ValidationFailed(problems)

    async with in_transaction():
        names = {k: v for k, v in changes.items() if k in ("name_zh", "name_en")}
        if names and community.department_id is not None:
            await Department.filter(id=community.department_id).update(**names)
        await _save(admin, community, changes, "catalogue.community.update", "community")
    return community


async def create_grant(principal: Principal | None, department_id: int, category_id: int) -> Grant:
    admin = require_role(principal, Role.ADMIN)
    department, category = await _grant_parts(admin, department_id, category_id)
    if await Grant.exists(department_id=department.id, category_id=category.id):
        raise ValidationFailed.single("categoryId", "GRANT_EXISTS")
    async with in_transaction():
        grant = await Grant.create(department=department, category=category)
        await _audit(admin, "catalogue.grant.create", "grant", grant.id,
                     {"department": department.code, "category": category.code})
    return grant


async def delete_grant(principal: Principal | None, department_id: int, category_id: int) -> None:
    """Remove a grant: the department stops receiving the category and loses access to its reports."""
    admin = require_role(principal, Role.ADMIN)
    department, category = await _grant_parts(admin, department_id, category_id)
    async with in_transaction():
        deleted = await Grant.filter(department_id=department.id, category_id=category.id).delete()
        if not deleted:
            raise ValidationFailed.single("categoryId", "GRANT_UNKNOWN")
        await _audit(admin, "catalogue.grant.delete", "grant", f"{department.id}:{category.id}",
                     {"department": department.code, "category": category.code})


async def _grant_parts(admin: Principal, department_id: int, category_id: int) -> tuple[Department, Category]:
    problems: list[FieldProblem] = []
    department = await Department.get_or_none(id=department_id, jurisdiction_id=admin.jurisdiction_id)
    if department is None:
        problems.append(FieldProblem("departmentId", "DEPARTMENT_UNKNOWN"))
    category = await Category.get_or_none(id=category_id, jurisdiction_id=admin.jurisdiction_id)
    if category is None:
        problems.append(FieldProblem("categoryId", "CATEGORY_UNKNOWN"))
    if problems:
        raise ValidationFailed(problems)
    assert department is not None and category is not None
    return department, category


async def _save(admin: Principal, row, changes: dict[str, Any], action: str, target_type: str):  # type: ignore[no-untyped-def]
    async with in_transaction():
        for key, value in changes.items():
            setattr(row, key, value)
        await row.save()
        await _audit(admin, action, target_type, row.id, {k: v for k, v in changes.items() if k != "boundary"})
    logger.info("catalogue changed", extra={"action": action, "target_id": row.id})
    return row


async def _audit(admin: Principal, action: str, target_type: str, target_id: object, detail: dict) -> None:
    serialisable = {k: getattr(v, "value", v) for k, v in detail.items()}
    await audit.record(jurisdiction_id=admin.jurisdiction_id, actor_id=admin.user_id, action=action,
                       target_type=target_type, target_id=target_id, detail=serialisable)
