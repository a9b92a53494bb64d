"""Courier registration and admin approval, on both databases."""

import pytest

from api.models.audit import AuditEntry
from api.models.identity import CourierProfile, User
from tests import factories
from tests.factories import REGISTER, courier_input


async def _counts() -> tuple[int, int]:
    return await User.all().count(), await CourierProfile.all().count()


async def test_registration_creates_pending_courier(client, catalogue):
    values = courier_input(phone="13812345678")

    result = await client.execute(REGISTER, {"input": values})

    payload = result.data["courierRegister"]
    assert payload["errors"] == []
    assert payload["account"]["status"] == "PENDING"
    assert payload["account"]["phoneMasked"] == "138****5678"
    assert payload["account"]["company"] == {"code": "meituan", "name": "美团"}
    profile = await CourierProfile.get(user_id=payload["account"]["id"])
    assert values["idNumber"] not in profile.id_number_encrypted
    assert profile.id_number_last4 == values["idNumber"][-4:]


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"phone": "12345"}, "phone", "PHONE_INVALID"),
        ({"idNumber": "110105194912310021"}, "idNumber", "ID_NUMBER_INVALID"),
        ({"password": "abc"}, "password", "PASSWORD_WEAK"),
        ({"companyCode": "nope"}, "company", "COMPANY_UNKNOWN"),
        ({"jurisdictionCode": "atlantis"}, "jurisdiction", "JURISDICTION_UNKNOWN"),
        ({"realName": "x"}, "realName", "NAME_INVALID"),
    ],
)
async def test_registration_rejects_bad_input(client, catalogue, overrides, field, code):
    result = await client.execute(REGISTER, {"input": courier_input(**overrides)})

    payload = result.data["courierRegister"]
    assert payload["account"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]
    assert await _counts() == (0, 0)


async def test_registration_rejects_duplicate_phone_and_id(client, catalogue):
    first = courier_input(serial=7)
    await client.execute(REGISTER, {"input": first})

    same_phone = await client.execute(REGISTER, {"input": courier_input(serial=8, phone=first["phone"])})
    same_id = await client.execute(REGISTER, {"input": courier_input(serial=9, idNumber=first["idNumber"].lower())})

    assert [e["code"] for e in same_phone.data["courierRegister"]["errors"]] == ["PHONE_TAKEN"]
    assert [e["code"] for e in same_id.data["courierRegister"]["errors"]] == ["ID_NUMBER_TAKEN"]
    assert await _counts() == (1, 1)


async def test_registration_messages_follow_accept_language(client, catalogue):
    values = courier_input(phone="999")

    chinese = await client.execute(REGISTER, {"input": values})
    english = await client.execute(REGISTER, {"input": values}, language="en-US,en;q=0.9")

    assert chinese.data["courierRegister"]["errors"][0]["message"].startswith("手机号格式不正确")
    assert english.data["courierRegister"]["errors"][0]["message"].startswith("The phone number is invalid")


APPROVE = """
mutation Approve($id: ID!) { userApprove(userId: $id) { account { id status } errors { field code } } }
"""


async def test_admin_approves_pending_courier(client, catalogue):
    admin = await factories.admin(client)
    values = courier_input()
    registered = await client.execute(REGISTER, {"input": values})
    user_id = registered.data["courierRegister"]["account"]["id"]

    result = await client.execute(APPROVE, {"id": user_id}, token=admin.access_token)
    again = await client.execute(APPROVE, {"id": user_id}, token=admin.access_token)

    assert result.data["userApprove"]["account"]["status"] == "ACTIVE"
    assert [e["code"] for e in again.data["userApprove"]["errors"]] == ["STATUS_TRANSITION_INVALID"]
    assert await AuditEntry.filter(action="user.approve", target_id=user_id).count() == 1


async def test_courier_cannot_approve(client, catalogue):
    courier = await factories.active_courier(client)
    registered = await client.execute(REGISTER, {"input": courier_input()})
    user_id = registered.data["courierRegister"]["account"]["id"]

    result = await client.execute(APPROVE, {"id": user_id}, token=courier.access_token)

    assert result.error_code == "FORBIDDEN"
    assert (await User.get(id=user_id)).status.value == "PENDING"


async def test_admin_of_other_jurisdiction_gets_not_found(client, catalogue):
    from api.models.organisation import Jurisdiction

    await Jurisdiction.create(code="other", name_zh="其他街道", name_en="Other Street")
    other_admin = await factories.admin(client, jurisdiction="other")
    registered = await client.execute(REGISTER, {"input": courier_input()})
    user_id = registered.data["courierRegister"]["account"]["id"]

    result = await client.execute(APPROVE, {"id": user_id}, token=other_admin.access_token)

    assert result.error_code == "NOT_FOUND"


PERSONAL = "query($id: ID!) { courierPersonalDetails(userId: $id) { realName phone idNumber } }"


async def test_personal_details_read_is_audited(client, catalogue):
    admin = await factories.admin(client)
    values = courier_input()
    registered = await client.execute(REGISTER, {"input": values})
    user_id = registered.data["courierRegister"]["account"]["id"]

    result = await client.execute(PERSONAL, {"id": user_id}, token=admin.access_token)

    assert result.data["courierPersonalDetails"] == {
        "realName": values["realName"], "phone": values["phone"], "idNumber": values["idNumber"]
    }
    entry = await AuditEntry.get(action="courier.personal_details.read")
    assert entry.target_id == user_id
    assert str(entry.actor_id) == admin.user_id


async def test_staff_cannot_read_personal_details(client, catalogue):
    staff = await factories.staff(client, "traffic-police")
    registered = await client.execute(REGISTER, {"input": courier_input()})
    user_id = registered.data["courierRegister"]["account"]["id"]

    result = await client.execute(PERSONAL, {"id": user_id}, token=staff.access_token)

    assert result.error_code == "FORBIDDEN"
    assert await AuditEntry.filter(action="courier.personal_details.read").count() == 0


STAFF_CREATE = """
mutation($input: StaffCreateInput!) {
  staffCreate(input: $input) { account { role status username } errors { field code } }
}
"""


async def test_admin_creates_department_staff(client, catalogue):
    from api.models.catalogue import Department

    admin = await factories.admin(client)
    department = await Department.get(code="traffic-police")
    values = {"role": "DEPARTMENT_STAFF", "realName": "周警官", "username": "zhou.jj",
              "password": "Traffic2026ok", "departmentId": str(department.id)}

    created = await client.execute(STAFF_CREATE, {"input": values}, token=admin.access_token)
    duplicate = await client.execute(STAFF_CREATE, {"input": values}, token=admin.access_token)
    missing_department = await client.execute(
        STAFF_CREATE, {"input": {**values, "username": "x.y.z", "departmentId": "99999"}}, token=admin.access_token
    )

    assert created.data["staffCreate"]["account"] == {"role": "DEPARTMENT_STAFF", "status": "ACTIVE", "username": "zhou.jj"}
    assert [e["code"] for e in duplicate.data["staffCreate"]["errors"]] == ["USERNAME_TAKEN"]
    assert [e["code"] for e in missing_department.data["staffCreate"]["errors"]] == ["DEPARTMENT_UNKNOWN"]
    assert await User.filter(role="DEPARTMENT_STAFF").count() == 1
