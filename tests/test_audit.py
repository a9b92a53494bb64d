"""The audit trail: admin actions and personal-detail reads are recorded and readable by admins only."""

from __future__ import annotations

from api.models.audit import AuditEntry
from api.models.identity import User
from api.models.organisation import Jurisdiction
from api.schema.root import schema
from tests import factories

ENTRIES = """
query Entries($first: Int, $after: String, $action: String) {
  auditEntries(first: $first, after: $after, action: $action) {
    edges { cursor node { action targetType targetId actorId actorName detail requestId } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

APPROVE = "mutation Approve($id: ID!) { userApprove(userId: $id) { account { status } errors { code } } }"
DETAILS = "query Details($id: ID!) { courierPersonalDetails(userId: $id) { idNumber } }"


async def _pending_courier(client) -> str:
    result = await client.execute(factories.REGISTER, {"input": factories.courier_input()})
    return result.data["courierRegister"]["account"]["id"]


async def _entries(client, token, **variables):
    result = await client.execute(ENTRIES, variables, token=token)
    return result.data["auditEntries"]


async def test_admin_action_recorded(client, catalogue):
    admin = await factories.admin(client)
    courier_id = await _pending_courier(client)

    approved = await client.execute(APPROVE, {"id": courier_id}, token=admin.access_token)
    page = await _entries(client, admin.access_token, action="user.approve")

    assert approved.data["userApprove"]["account"]["status"] == "ACTIVE"
    node = page["edges"][0]["node"]
    assert node["targetType"] == "user"
    assert node["targetId"] == courier_id
    assert node["actorId"] == admin.user_id
    assert node["actorName"] == "李管理"
    assert node["requestId"] == approved.headers["x-request-id"]


async def test_personal_details_read_recorded(client, catalogue):
    admin = await factories.admin(client)
    courier_id = await _pending_courier(client)

    await client.execute(DETAILS, {"id": courier_id}, token=admin.access_token)
    page = await _entries(client, admin.access_token, action="courier.personal_details.read")

    assert [edge["node"]["targetId"] for edge in page["edges"]] == [courier_id]


async def test_admin_mutation_without_own_entry_recorded(client, catalogue):
    admin = await factories.admin(client)

    await client.execute("mutation EndAll { tokensRevokeAll { ok } }", token=admin.access_token)
    fresh = await factories.login(client, admin.login)
    page = await _entries(client, fresh.access_token, action="mutation.tokensRevokeAll")

    node = page["edges"][0]["node"]
    assert node["targetType"] == "mutation"
    assert node["detail"] == {"operation": "EndAll", "arguments": {}}
    assert node["actorId"] == admin.user_id


async def test_generic_entry_names_the_report(client, catalogue):
    from tests import report_factories as rf

    admin = await factories.admin(client)
    courier = await factories.active_courier(client)
    report = await rf.submitted(client, courier.access_token, category="other", otherText="路边有废弃车辆")

    await client.execute(
        "mutation($id: ID!) { reportClassify(id: $id, categoryCode: \"garbage\", comment: \"归类\") { errors { code } } }",
        {"id": report["id"]}, token=admin.access_token,
    )
    entries = await AuditEntry.filter(action="mutation.reportClassify")

    assert [(e.target_type, e.target_id) for e in entries] == [("report", report["id"])]
    assert entries[0].detail["arguments"] == {"id": report["id"], "categoryCode": "garbage"}


async def test_service_entry_not_duplicated(client, catalogue):
    admin = await factories.admin(client)
    courier_id = await _pending_courier(client)

    approved = await client.execute(APPROVE, {"id": courier_id}, token=admin.access_token)

    entries = await AuditEntry.filter(request_id=approved.headers["x-request-id"]).values_list("action", flat=True)
    assert entries == ["user.approve"]


async def test_rejected_admin_mutation_not_recorded(client, catalogue):
    admin = await factories.admin(client)
    courier_id = await _pending_courier(client)
    await User.filter(id=courier_id).update(status="ACTIVE")

    result = await client.execute(APPROVE, {"id": courier_id}, token=admin.access_token)

    assert result.data["userApprove"]["errors"] == [{"code": "STATUS_TRANSITION_INVALID"}]
    assert await AuditEntry.filter(request_id=result.headers["x-request-id"]).count() == 0


async def test_courier_mutation_not_recorded(client, catalogue):
    courier = await factories.active_courier(client)

    result = await client.execute('mutation { tokenRevoke(refreshToken: "x") { ok } }', token=courier.access_token)

    assert result.data["tokenRevoke"]["ok"] is True
    assert await AuditEntry.all().count() == 0


async def test_audit_entries_admin_only(client, catalogue):
    courier = await factories.active_courier(client)
    staff = await factories.staff(client, "traffic-police")

    anonymous = await client.execute(ENTRIES)
    as_courier = await client.execute(ENTRIES, token=courier.access_token)
    as_staff = await client.execute(ENTRIES, token=staff.access_token)

    assert anonymous.error_code == "UNAUTHENTICATED"
    assert as_courier.error_code == "FORBIDDEN"
    assert as_staff.error_code == "FORBIDDEN"


async def test_audit_entries_of_own_jurisdiction_only(client, catalogue):
    admin = await factories.admin(client)
    other = await Jurisdiction.create(code="other-street", name_zh="别的街道", name_en="Other street")
    await AuditEntry.create(jurisdiction=other, action="user.approve", target_type="user", target_id="elsewhere")

    page = await _entries(client, admin.access_token)

    assert "elsewhere" not in [edge["node"]["targetId"] for edge in page["edges"]]


async def test_audit_entries_paginate_newest_first(client, catalogue):
    admin = await factories.admin(client)
    jurisdiction_id = (await User.get(id=admin.user_id)).jurisdiction_id
    for number in range(3):
        await AuditEntry.create(jurisdiction_id=jurisdiction_id, action="test.step", target_type="t", target_id=str(number))

    first = await _entries(client, admin.access_token, first=2, action="test.step")
    rest = await _entries(client, admin.access_token, first=2, action="test.step", after=first["pageInfo"]["endCursor"])

    assert [edge["node"]["targetId"] for edge in first["edges"]] == ["2", "1"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert [edge["node"]["targetId"] for edge in rest["edges"]] == ["0"]
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_audit_entries_reject_bad_arguments(client, catalogue):
    admin = await factories.admin(client)

    bad_cursor = await client.execute(ENTRIES, {"after": "not-a-cursor"}, token=admin.access_token)
    bad_size = await client.execute(ENTRIES, {"first": 0}, token=admin.access_token)

    assert bad_cursor.error_code == "BAD_USER_INPUT"
    assert bad_cursor.errors[0]["extensions"]["fields"][0]["code"] == "CURSOR_INVALID"
    assert bad_size.errors[0]["extensions"]["fields"][0]["code"] == "PAGE_SIZE_INVALID"


def test_schema_has_no_audit_mutation():
    mutation = schema.get_type_by_name("Mutation")

    assert [field.name for field in mutation.fields if "audit" in field.name.lower()] == []
