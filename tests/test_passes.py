"""Courier QR passes through the API: showing, verifying at a gate, refusals, revocation and the log."""

import base64
import io
import xml.etree.ElementTree as ElementTree
from datetime import datetime, timedelta, timezone

import pytest
import zxingcpp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from PIL import Image

from api.models.audit import AuditEntry
from api.models.catalogue import Community
from api.models.identity import User, UserStatus
from api.models.organisation import Jurisdiction
from api.models.passes import PassVerification, PassVerificationResult
from api.passes import codes, service
from tests import factories

MY_PASS = """
query MyPass($scale: Int! = 8) {
  myPass { code passId issuedAt expiresAt refreshAt qrSvg(scale: $scale) qrPngDataUri(scale: $scale) }
}
"""

MY_CODE = "{ myPass { code expiresAt } }"

VERIFY = """
mutation Verify($code: String!, $communityId: ID) {
  passVerify(code: $code, communityId: $communityId) {
    verification {
      id valid result message
      courier { maskedName company { code name } photoUrl }
      community { code name }
      passExpiresAt verifiedAt
    }
    errors { field code message }
  }
}
"""

REVOKE = """
mutation Revoke($courierId: ID, $reason: String! = "") {
  passRevoke(courierId: $courierId, reason: $reason) { revokedAt errors { field code } }
}
"""

LOG = """
query Log($courierId: ID) {
  passVerifications(courierId: $courierId) {
    id result gatekeeperId courierId passId community { code } verifiedAt
  }
}
"""

SUSPEND = """
mutation Suspend($userId: ID!) { userSuspend(userId: $userId, reason: "test") { account { status } errors { code } } }
"""

REACTIVATE = """
mutation Reactivate($userId: ID!) { userReactivate(userId: $userId) { account { status } errors { code } } }
"""


async def community_id(code: str) -> str:
    return str((await Community.get(code=code, jurisdiction__code="dafeng")).id)


async def my_code(client, courier) -> str:
    return (await client.execute(MY_CODE, token=courier.access_token)).data["myPass"]["code"]


async def verify(client, gate, code: str, community: str | None = None, language: str | None = None) -> dict:
    variables = {"code": code, "communityId": await community_id(community) if community else None}
    result = await client.execute(VERIFY, variables, token=gate.access_token, language=language)
    payload = result.data["passVerify"]
    assert payload["errors"] == []
    return payload["verification"]


def clock_at(monkeypatch, moment: datetime) -> None:
    """Stand-in clock: a pass lifetime cannot pass in real time within a test."""
    monkeypatch.setattr(service, "_now", lambda: moment)


async def test_valid_pass_shows_masked_courier(client, catalogue):
    courier = await factories.active_courier(client, realName="王小明", companyCode="sf")
    gate = await factories.gatekeeper(client, ["sanhe"])

    code = await my_code(client, courier)
    verification = await verify(client, gate, code)

    assert verification["valid"] is True
    assert verification["result"] == "VALID"
    assert verification["message"] == "通行证有效。"
    assert verification["courier"] == {"maskedName": "王**", "company": {"code": "sf", "name": "顺丰"}, "photoUrl": None}
    assert verification["community"]["code"] == "sanhe"
    assert verification["passExpiresAt"] is not None


async def test_my_pass_rotates_with_short_lifetime(client, catalogue):
    courier = await factories.active_courier(client)

    first = (await client.execute(MY_PASS, token=courier.access_token)).data["myPass"]
    second = (await client.execute(MY_PASS, token=courier.access_token)).data["myPass"]

    issued = datetime.fromisoformat(first["issuedAt"])
    expires = datetime.fromisoformat(first["expiresAt"])
    assert expires - issued == timedelta(seconds=300)
    assert datetime.fromisoformat(first["refreshAt"]) == issued + timedelta(seconds=150)
    assert first["code"] != second["code"]
    assert first["passId"] != second["passId"]


async def test_qr_content_decodes_back_to_code(client, catalogue):
    courier = await factories.active_courier(client)

    result = await client.execute(MY_PASS, {"scale": 4}, token=courier.access_token)

    shown = result.data["myPass"]
    prefix = "data:image/png;base64,"
    assert shown["qrPngDataUri"].startswith(prefix)
    image = Image.open(io.BytesIO(base64.b64decode(shown["qrPngDataUri"][len(prefix):])))
    decoded = zxingcpp.read_barcodes(image)
    assert [barcode.text for barcode in decoded] == [shown["code"]]
    assert decoded[0].format == zxingcpp.BarcodeFormat.QRCode
    svg = ElementTree.fromstring(shown["qrSvg"])
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert svg.get("width") == str((49 + 8) * 4)


async def test_qr_scale_out_of_range_is_rejected(client, catalogue):
    courier = await factories.active_courier(client)

    result = await client.execute(MY_PASS, {"scale": 0}, token=courier.access_token)

    assert result.error_code == "BAD_USER_INPUT"
    assert result.errors[0]["extensions"]["fields"][0]["code"] == "PASS_QR_SCALE_INVALID"


async def test_expired_pass_is_refused(client, catalogue, monkeypatch):
    courier = await factories.active_courier(client)
    gate = await factories.gatekeeper(client, ["sanhe"])
    clock_at(monkeypatch, datetime.now(timezone.utc) - timedelta(seconds=301))
    code = await my_code(client, courier)
    monkeypatch.undo()

    verification = await verify(client, gate, code, language="en")

    assert verification["result"] == "EXPIRED"
    assert verification["valid"] is False
    assert verification["message"] == "The pass has expired; ask the courier to refresh it and show it again."
    assert verification["courier"] is None
    assert verification["passExpiresAt"] is None


async def test_pass_replayed_after_expiry_is_refused(client, catalogue, monkeypatch):
    courier = await factories.active_courier(client)
    gate = await factories.gatekeeper(client, ["sanhe"])
    code = await my_code(client, courier)
    first = await verify(client, gate, code)

    clock_at(monkeypatch, datetime.now(timezone.utc) + timedelta(seconds=300))
    replay = await verify(client, gate, code)

    assert first["result"] == "VALID"
    assert replay["result"] == "EXPIRED"
    records = await PassVerification.all().order_by("id")
    assert [r.result for r in records] == [PassVerificationResult.VALID, PassVerificationResult.EXPIRED]
    assert records[0].pass_id == records[1].pass_id


async def test_tampered_pass_is_refused(client, catalogue):
    courier = await factories.active_courier(client)
    other = await factories.active_courier(client)
    gate = await factories.gatekeeper(client, ["sanhe"])
    code = await my_code(client, courier)
    other_id = (await User.get(id=other.user_id)).id
    # Swap the courier id for another courier's and keep the original signature.
    raw = bytearray(base64.b32decode(code[4:] + "=" * (-len(code[4:]) % 8)))
    raw[13:29] = other_id.bytes
    tampered = "FXP:" + base64.b32encode(bytes(raw)).decode().rstrip("=")

    verification = await verify(client, gate, tampered)
    garbage = await verify(client, gate, "not a pass")

    assert verification["result"] == "BAD_SIGNATURE"
    assert verification["courier"] is None
    assert garbage["result"] == "MALFORMED"
    records = await PassVerification.all().order_by("id")
    assert [(r.courier_id, r.pass_id) for r in records] == [(None, None), (None, None)]


async def test_suspended_courier_pass_is_refused_at_once(client, catalogue):
    courier = await factories.active_courier(client)
    gate = await factories.gatekeeper(client, ["sanhe"])
    admin = await factories.admin(client)
    code = await my_code(client, courier)

    suspended = await client.execute(SUSPEND, {"userId": courier.user_id}, token=admin.access_token)
    while_suspended = await verify(client, gate, code)
    await client.execute(REACTIVATE, {"userId": courier.user_id}, token=admin.access_token)
    after_reactivation = await verify(client, gate, code)
    fresh = await factories.login(client, courier.login)
    new_pass = await verify(client, gate, await my_code(client, fresh))

    assert suspended.data["userSuspend"]["account"]["status"] == "SUSPENDED"
    assert while_suspended["result"] == "COURIER_SUSPENDED"
    assert while_suspended["courier"] is None
    # The suspension ended the passes issued before it, so reactivation does not revive them.
    assert after_reactivation["result"] == "REVOKED"
    assert new_pass["result"] == "VALID"


async def test_pass_of_unapproved_courier_is_refused(client, catalogue):
    courier = await factories.active_courier(client)
    gate = await factories.gatekeeper(client, ["sanhe"])
    code = await my_code(client, courier)

    await User.filter(id=courier.user_id).update(status=UserStatus.PENDING)
    verification = await verify(client, gate, code)

    assert verification["result"] == "COURIER_NOT_APPROVED"


async def test_pending_courier_gets_no_pass(client, catalogue):
    values = factories.courier_input()
    await client.execute(factories.REGISTER, {"input": values})
    pending = await factories.login(client, values["phone"])

    result = await client.execute(MY_CODE, token=pending.access_token, language="en")

    assert result.error_code == "FORBIDDEN"
    assert result.errors[0]["message"] == "Your account must be approved before you can use a pass."


async def test_revoked_pass_is_refused(client, catalogue):
    courier = await factories.active_courier(client)
    gate = await factories.gatekeeper(client, ["sanhe"])
    admin = await factories.admin(client)
    by_courier = await my_code(client, courier)

    own = await client.execute(REVOKE, {"reason": "phone lost"}, token=courier.access_token)
    by_admin = await my_code(client, courier)
    admin_revoke = await client.execute(REVOKE, {"courierId": courier.user_id}, token=admin.access_token)
    after = await my_code(client, courier)

    assert own.data["passRevoke"]["errors"] == []
    assert admin_revoke.data["passRevoke"]["errors"] == []
    assert (await verify(client, gate, by_courier))["result"] == "REVOKED"
    assert (await verify(client, gate, by_admin))["result"] == "REVOKED"
    assert (await verify(client, gate, after))["result"] == "VALID"
    entries = await AuditEntry.filter(action="pass.revoke").order_by("id")
    assert [entry.detail for entry in entries] == [{"generation": 1, "reason": "phone lost"}, {"generation": 2}]


async def test_courier_cannot_revoke_another_courier(client, catalogue):
    courier = await factories.active_courier(client)
    other = await factories.active_courier(client)
    gate = await factories.gatekeeper(client, ["sanhe"])
    code = await my_code(client, other)

    result = await client.execute(REVOKE, {"courierId": other.user_id}, token=courier.access_token)
    gate_result = await client.execute(REVOKE, {"courierId": other.user_id}, token=gate.access_token)

    assert result.error_code == "NOT_FOUND"
    assert gate_result.error_code == "FORBIDDEN"
    assert (await verify(client, gate, code))["result"] == "VALID"


async def test_revoke_reason_too_long_changes_nothing(client, catalogue):
    courier = await factories.active_courier(client)
    admin = await factories.admin(client)

    result = await client.execute(REVOKE, {"courierId": courier.user_id, "reason": "x" * 201}, token=admin.access_token)

    assert result.data["passRevoke"]["errors"] == [{"field": "reason", "code": "PASS_REVOKE_REASON_TOO_LONG"}]
    assert await AuditEntry.filter(action="pass.revoke").count() == 0


async def test_gatekeeper_outside_their_communities(client, catalogue):
    courier = await factories.active_courier(client)
    gate = await factories.gatekeeper(client, ["sanhe"])
    code = await my_code(client, courier)

    verification = await verify(client, gate, code, community="tianfeng")

    assert verification["result"] == "WRONG_JURISDICTION"
    assert verification["courier"] is None
    assert verification["community"]["code"] == "tianfeng"
    record = await PassVerification.get(id=verification["id"])
    assert record.courier_id is None


async def test_gatekeeper_of_several_communities_names_the_gate(client, catalogue):
    courier = await factories.active_courier(client)
    gate = await factories.gatekeeper(client, ["sanhe", "tianfeng"])
    code = await my_code(client, courier)

    unnamed = await client.execute(VERIFY, {"code": code}, token=gate.access_token)
    named = await verify(client, gate, code, community="tianfeng")

    assert unnamed.data["passVerify"]["errors"][0]["code"] == "PASS_COMMUNITY_REQUIRED"
    assert named["result"] == "VALID"
    assert await PassVerification.all().count() == 1


async def test_courier_of_other_jurisdiction_is_refused(client, catalogue):
    await Jurisdiction.create(code="tianfu", name_zh="天府街道", name_en="Tianfu street")
    courier = await factories.active_courier(client, jurisdictionCode="tianfu")
    gate = await factories.gatekeeper(client, ["sanhe"])
    code = await my_code(client, courier)

    verification = await verify(client, gate, code)

    assert verification["result"] == "WRONG_JURISDICTION"
    assert verification["courier"] is None


@pytest.mark.parametrize("role", ["courier", "admin", "anonymous"])
async def test_only_gatekeepers_verify(client, catalogue, role):
    courier = await factories.active_courier(client)
    code = await my_code(client, courier)
    caller = {"courier": courier, "admin": await factories.admin(client), "anonymous": None}[role]

    result = await client.execute(VERIFY, {"code": code}, token=caller.access_token if caller else None)

    expected = "UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN"
    assert result.error_code == expected
    assert await PassVerification.all().count() == 0


async def test_gatekeeper_gets_no_pass(client, catalogue):
    gate = await factories.gatekeeper(client, ["sanhe"])

    result = await client.execute(MY_CODE, token=gate.access_token)

    assert result.error_code == "FORBIDDEN"


async def test_every_verification_is_logged(client, catalogue):
    courier = await factories.active_courier(client)
    gate = await factories.gatekeeper(client, ["sanhe"])
    other_gate = await factories.gatekeeper(client, ["tianfeng"])
    admin = await factories.admin(client)
    code = await my_code(client, courier)
    await verify(client, gate, code)
    await verify(client, gate, "FXP:AAAA")
    await verify(client, other_gate, code)

    admin_log = (await client.execute(LOG, token=admin.access_token)).data["passVerifications"]
    gate_log = (await client.execute(LOG, token=gate.access_token)).data["passVerifications"]
    courier_log = (await client.execute(LOG, {"courierId": courier.user_id}, token=admin.access_token))
    forbidden = await client.execute(LOG, token=courier.access_token)

    assert [entry["result"] for entry in admin_log] == ["VALID", "MALFORMED", "VALID"]
    assert {entry["gatekeeperId"] for entry in admin_log} == {gate.user_id, other_gate.user_id}
    assert [entry["community"]["code"] for entry in admin_log] == ["tianfeng", "sanhe", "sanhe"]
    assert all(entry["verifiedAt"] for entry in admin_log)
    assert [entry["result"] for entry in gate_log] == ["MALFORMED", "VALID"]
    assert [entry["courierId"] for entry in courier_log.data["passVerifications"]] == [courier.user_id] * 2
    assert forbidden.error_code == "FORBIDDEN"


async def test_published_key_verifies_offline(client, catalogue):
    courier = await factories.active_courier(client)
    code = await my_code(client, courier)

    response = await client.http.get("/.well-known/pass-keys.json")

    published = response.json()
    jwk = published["keys"][0]
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and jwk["alg"] == "EdDSA"
    assert "d" not in jwk
    assert published["codePrefix"] == "FXP:"
    assert published["lifetimeSeconds"] == 300
    assert response.headers["cache-control"] == "public, max-age=3600"
    public_key = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(jwk["x"] + "=="))
    claims = codes.decode(code, {bytes.fromhex(jwk["kid"]): public_key})
    assert str(claims.courier_id) == courier.user_id
    assert claims.expires_at > datetime.now(timezone.utc)
