"""The catalogue: the Dafeng seed, and admin editing that takes effect for the next report."""

import json

import pytest

from api.models.audit import AuditEntry
from api.models.catalogue import Category, Community, Department, Grant
from api.models.organisation import Company, Jurisdiction
from api.seed import DEFAULT_CATALOGUE, load_catalogue
from tests import factories
from tests.report_factories import SANHE, submit, submitted

CATEGORY_CREATE = """
mutation C($input: CategoryCreateInput!) {
  categoryCreate(input: $input) {
    category { id code name nameZh nameEn group gbCode points priority responseMinutes private duplicateRadiusM
               emergencyCall isOther active }
    errors { field code message }
  }
}
"""
CATEGORY_UPDATE = """
mutation U($id: ID!, $input: CategoryUpdateInput!) {
  categoryUpdate(id: $id, input: $input) {
    category { code points priority emergencyCall gbCode active }
    errors { field code message }
  }
}
"""
DEPARTMENT_CREATE = """
mutation D($input: DepartmentCreateInput!) {
  departmentCreate(input: $input) { department { id code kind name active } errors { field code } }
}
"""
DEPARTMENT_UPDATE = """
mutation D($id: ID!, $input: DepartmentUpdateInput!) {
  departmentUpdate(id: $id, input: $input) { department { code name active } errors { field code } }
}
"""
COMMUNITY_CREATE = """
mutation C($input: CommunityCreateInput!) {
  communityCreate(input: $input) { community { id code name boundary } errors { field code } }
}
"""
COMMUNITY_UPDATE = """
mutation C($id: ID!, $input: CommunityUpdateInput!) {
  communityUpdate(id: $id, input: $input) { community { code name boundary active } errors { field code } }
}
"""
GRANT_CREATE = """
mutation G($d: ID!, $c: ID!) {
  grantCreate(departmentId: $d, categoryId: $c) { grant { department { code } category { code } } errors { field code } }
}
"""
GRANT_DELETE = """
mutation G($d: ID!, $c: ID!) { grantDelete(departmentId: $d, categoryId: $c) { errors { field code } } }
"""


def square(west: float, south: float, east: float, north: float) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def category_input(**overrides):
    values = {
        "code": "dog-waste", "nameZh": "犬只粪便", "nameEn": "Dog waste", "group": "environment",
        "points": 10, "responseMinutes": 720,
    }
    values.update(overrides)
    return values


async def test_seed_loads_dafeng(db):
    summary = await load_catalogue()

    assert summary.created["companies"] == 5
    assert sorted(await Company.all().values_list("code", flat=True)) == ["fengniao", "meituan", "sf", "yunda", "zto"]
    assert await Jurisdiction.filter(code="dafeng").count() == 1
    codes = set(await Category.all().values_list("code", flat=True))
    assert {"manhole-cover", "shop-sign", "fire-lane-blocked", "traffic-light", "garbage", "illegal-construction",
            "municipal-facility", "food-drug-fraud", "vice-tip", "medical-emergency", "person-in-danger",
            "other"} <= codes
    assert await Community.all().count() == 6
    assert (await Category.get(code="vice-tip")).private is True
    assert (await Category.get(code="medical-emergency")).emergency_call == "120"
    assert (await Category.get(code="other")).is_other is True


async def test_seed_twice_changes_nothing(db):
    await load_catalogue()
    counts = [await model.all().count() for model in (Company, Jurisdiction, Department, Community, Category, Grant)]

    summary = await load_catalogue()

    assert summary.created == {}
    assert str(summary) == "catalogue already loaded; nothing changed"
    assert [await model.all().count() for model in (Company, Jurisdiction, Department, Community, Category, Grant)] == counts


def test_data_file_marks_boundaries_illustrative():
    data = json.loads(DEFAULT_CATALOGUE.read_text(encoding="utf-8"))

    assert "ILLUSTRATIVE" in data["note"]
    assert data["jurisdictions"][0]["boundary_illustrative"] is True


async def test_categories_listed_for_courier(client, catalogue):
    courier = await factories.active_courier(client)

    result = await client.execute("{ categories { code name points priority emergencyCall } }", token=courier.access_token)

    by_code = {c["code"]: c for c in result.data["categories"]}
    assert by_code["traffic-light"] == {
        "code": "traffic-light", "name": "交通信号灯损坏", "points": 10, "priority": "NORMAL", "emergencyCall": None,
    }
    assert by_code["medical-emergency"]["emergencyCall"] == "120"


async def test_admin_creates_category_used_by_next_report(client, catalogue):
    admin = await factories.admin(client)
    courier = await factories.active_courier(client)
    urban = await Department.get(code="urban-management")

    created = (await client.execute(CATEGORY_CREATE, {"input": category_input(gbCode="0101")},
                                    token=admin.access_token)).data["categoryCreate"]
    granted = (await client.execute(GRANT_CREATE, {"d": str(urban.id), "c": created["category"]["id"]},
                                    token=admin.access_token)).data["grantCreate"]
    report = await submitted(client, courier.access_token, category="dog-waste")

    assert created["errors"] == []
    assert created["category"]["gbCode"] == "0101"
    assert granted["grant"] == {"department": {"code": "urban-management"}, "category": {"code": "dog-waste"}}
    assert report["status"] == "DISPATCHED"
    assert [d["code"] for d in report["departments"]] == ["urban-management"]
    assert await AuditEntry.filter(action="catalogue.category.create").count() == 1
    assert await AuditEntry.filter(action="catalogue.grant.create").count() == 1


@pytest.mark.parametrize(
    "overrides, field, code",
    [
        ({"code": "Bad Code"}, "code", "CATALOGUE_CODE_INVALID"),
        ({"code": "garbage"}, "code", "CATALOGUE_CODE_TAKEN"),
        ({"nameZh": " "}, "nameZh", "CATALOGUE_NAME_INVALID"),
        ({"group": ""}, "group", "CATEGORY_GROUP_INVALID"),
        ({"gbCode": "AB-1"}, "gbCode", "CATEGORY_GB_CODE_INVALID"),
        ({"points": -1}, "points", "CATEGORY_POINTS_INVALID"),
        ({"points": 100_001}, "points", "CATEGORY_POINTS_INVALID"),
        ({"responseMinutes": 0}, "responseMinutes", "CATEGORY_RESPONSE_MINUTES_INVALID"),
        ({"duplicateRadiusM": -5}, "duplicateRadiusM", "CATEGORY_RADIUS_INVALID"),
        ({"priority": "EMERGENCY"}, "emergencyCall", "CATEGORY_EMERGENCY_CALL_INVALID"),
        ({"emergencyCall": "call-me"}, "emergencyCall", "CATEGORY_EMERGENCY_CALL_INVALID"),
        ({"isOther": True}, "isOther", "CATEGORY_OTHER_EXISTS"),
    ],
)
async def test_category_create_bad_input(client, catalogue, overrides, field, code):
    admin = await factories.admin(client)
    before = await Category.all().count()

    result = await client.execute(CATEGORY_CREATE, {"input": category_input(**overrides)}, token=admin.access_token)

    payload = result.data["categoryCreate"]
    assert payload["category"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]
    assert await Category.all().count() == before


async def test_category_update_takes_effect_for_next_report(client, catalogue):
    admin = await factories.admin(client)
    courier = await factories.active_courier(client)
    category = await Category.get(code="traffic-light")

    updated = (await client.execute(
        CATEGORY_UPDATE, {"id": str(category.id), "input": {"points": 15, "gbCode": None}}, token=admin.access_token
    )).data["categoryUpdate"]
    payload = (await submit(client, courier.access_token)).data["reportSubmit"]

    assert updated["category"]["points"] == 15
    assert "15分" in payload["replyMessage"]


async def test_category_update_checks_emergency_call(client, catalogue):
    admin = await factories.admin(client)
    category = await Category.get(code="garbage")

    needs_call = await client.execute(
        CATEGORY_UPDATE, {"id": str(category.id), "input": {"priority": "EMERGENCY"}}, token=admin.access_token
    )
    with_call = await client.execute(
        CATEGORY_UPDATE, {"id": str(category.id), "input": {"priority": "EMERGENCY", "emergencyCall": "110"}},
        token=admin.access_token,
    )
    clear_required = await client.execute(
        CATEGORY_UPDATE, {"id": str(category.id), "input": {"points": None}}, token=admin.access_token
    )

    assert needs_call.data["categoryUpdate"]["errors"][0]["code"] == "CATEGORY_EMERGENCY_CALL_INVALID"
    assert with_call.data["categoryUpdate"]["category"]["emergencyCall"] == "110"
    assert clear_required.data["categoryUpdate"]["errors"][0] == {
        "field": "points", "code": "FIELD_REQUIRED", "message": "此项为必填项。",
    }


async def test_deactivated_category_cannot_be_reported(client, catalogue):
    admin = await factories.admin(client)
    courier = await factories.active_courier(client)
    category = await Category.get(code="shop-sign")

    await client.execute(CATEGORY_UPDATE, {"id": str(category.id), "input": {"active": False}}, token=admin.access_token)
    payload = (await submit(client, courier.access_token, category="shop-sign")).data["reportSubmit"]

    assert payload["errors"][0]["code"] == "CATEGORY_UNKNOWN"


async def test_grant_moves_next_report(client, catalogue):
    admin = await factories.admin(client)
    courier = await factories.active_courier(client)
    category = await Category.get(code="traffic-light")
    traffic = await Department.get(code="traffic-police")
    urban = await Department.get(code="urban-management")

    deleted = await client.execute(GRANT_DELETE, {"d": str(traffic.id), "c": str(category.id)}, token=admin.access_token)
    again = await client.execute(GRANT_DELETE, {"d": str(traffic.id), "c": str(category.id)}, token=admin.access_token)
    await client.execute(GRANT_CREATE, {"d": str(urban.id), "c": str(category.id)}, token=admin.access_token)
    duplicate = await client.execute(GRANT_CREATE, {"d": str(urban.id), "c": str(category.id)}, token=admin.access_token)
    report = await submitted(client, courier.access_token, category="traffic-light")

    assert deleted.data["grantDelete"]["errors"] == []
    assert again.data["grantDelete"]["errors"][0]["code"] == "GRANT_UNKNOWN"
    assert duplicate.data["grantCreate"]["errors"][0]["code"] == "GRANT_EXISTS"
    assert [d["code"] for d in report["departments"]] == ["urban-management"]


async def test_grant_unknown_parts(client, catalogue):
    admin = await factories.admin(client)

    result = await client.execute(GRANT_CREATE, {"d": "99999", "c": "abc"}, token=admin.access_token)

    assert [(e["field"], e["code"]) for e in result.data["grantCreate"]["errors"]] == [
        ("categoryId", "CATEGORY_UNKNOWN"),
    ]


async def test_department_create_and_update(client, catalogue):
    admin = await factories.admin(client)

    created = (await client.execute(
        DEPARTMENT_CREATE, {"input": {"code": "water", "kind": "OTHER", "nameZh": "水务", "nameEn": "Water"}},
        token=admin.access_token,
    )).data["departmentCreate"]
    community_kind = (await client.execute(
        DEPARTMENT_CREATE, {"input": {"code": "x-comm", "kind": "COMMUNITY", "nameZh": "社区", "nameEn": "C"}},
        token=admin.access_token,
    )).data["departmentCreate"]
    taken = (await client.execute(
        DEPARTMENT_CREATE, {"input": {"code": "urban-management", "kind": "OTHER", "nameZh": "x", "nameEn": "x"}},
        token=admin.access_token,
    )).data["departmentCreate"]
    updated = (await client.execute(
        DEPARTMENT_UPDATE, {"id": created["department"]["id"], "input": {"nameZh": "水务站", "active": False}},
        token=admin.access_token,
    )).data["departmentUpdate"]

    assert created["department"]["kind"] == "OTHER"
    assert community_kind["errors"] == [{"field": "kind", "code": "DEPARTMENT_KIND_INVALID"}]
    assert taken["errors"] == [{"field": "code", "code": "CATALOGUE_CODE_TAKEN"}]
    assert updated["department"] == {"code": "water", "name": "水务站", "active": False}


async def test_community_boundary_change_applies_to_next_report(client, catalogue):
    admin = await factories.admin(client)
    courier = await factories.active_courier(client)
    outside = (30.80, 104.096)
    before = await submitted(client, courier.access_token, category="garbage", point=outside)

    created = (await client.execute(
        COMMUNITY_CREATE,
        {"input": {"code": "xinhe", "nameZh": "新河社区", "nameEn": "Xinhe", "boundary": square(104.09, 30.794, 104.102, 30.806)}},
        token=admin.access_token,
    )).data["communityCreate"]
    inside_new = await submitted(client, courier.access_token, category="garbage", point=outside)
    sanhe = await Community.get(code="sanhe")
    await client.execute(
        COMMUNITY_UPDATE, {"id": str(sanhe.id), "input": {"boundary": square(104.0, 30.0, 104.01, 30.01)}},
        token=admin.access_token,
    )
    after_move = await submitted(client, courier.access_token, category="garbage", point=SANHE)

    assert before["community"] is None
    assert created["errors"] == []
    assert await Department.exists(code="community-xinhe")
    assert inside_new["community"]["code"] == "xinhe"
    assert after_move["community"] is None
    assert after_move["outsideCommunities"] is True


@pytest.mark.parametrize(
    "boundary",
    [
        {"type": "Point", "coordinates": [104.0, 30.0]},
        {"type": "Polygon", "coordinates": [[[104.0, 30.0], [104.1, 30.1], [104.1, 30.0], [104.0, 30.1], [104.0, 30.0]]]},
        {"type": "Polygon", "coordinates": "x"},
    ],
)
async def test_community_bad_boundary_rejected(client, catalogue, boundary):
    admin = await factories.admin(client)
    before = (await Community.all().count(), await Department.all().count())

    result = await client.execute(
        COMMUNITY_CREATE, {"input": {"code": "bad", "nameZh": "坏", "nameEn": "Bad", "boundary": boundary}},
        token=admin.access_token,
    )

    assert result.data["communityCreate"]["errors"] == [{"field": "boundary", "code": "BOUNDARY_INVALID"}]
    assert (await Community.all().count(), await Department.all().count()) == before


async def test_catalogue_mutations_admin_only(client, catalogue):
    staff = await factories.staff(client, "urban-management")
    courier = await factories.active_courier(client)

    for token in (staff.access_token, courier.access_token):
        result = await client.execute(CATEGORY_CREATE, {"input": category_input()}, token=token)
        assert result.error_code == "FORBIDDEN"
    assert not await Category.exists(code="dog-waste")


async def test_update_of_other_jurisdiction_not_found(client, catalogue):
    await Jurisdiction.create(code="tianfu", name_zh="天府街道", name_en="Tianfu Street Office")
    foreign_admin = await factories.admin(client, jurisdiction="tianfu")
    category = await Category.get(code="garbage")

    result = await client.execute(
        CATEGORY_UPDATE, {"id": str(category.id), "input": {"points": 999}}, token=foreign_admin.access_token
    )

    assert result.error_code == "NOT_FOUND"
    assert (await Category.get(id=category.id)).points == 10
