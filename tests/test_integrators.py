"""Integrator clients: admin management, the OAuth client credentials endpoint, rotation and revocation."""

from __future__ import annotations

import base64

import pytest

from api.config import get_settings
from api.errors import AppError, Forbidden
from api.integrators import service
from api.models.audit import AuditEntry
from api.models.integrators import IntegratorClient
from api.models.organisation import Jurisdiction
from api.security.permissions import require_scope
from tests import factories

CREATE = """
mutation Create($input: IntegratorClientCreateInput!) {
  integratorClientCreate(input: $input) {
    client { id clientId name scopes categoryCodes departmentCode revokedAt }
    clientSecret apiKey
    errors { field code }
  }
}
"""
ROTATE = "mutation Rotate($id: ID!) { integratorClientSecretRotate(id: $id) { clientSecret errors { code } } }"
REVOKE = "mutation Revoke($id: ID!) { integratorClientRevoke(id: $id) { client { revokedAt } } }"
LIST = "{ integratorClients { clientId name scopes categoryCodes } }"

READ_INPUT = {"name": "交警中队业务系统", "scopes": ["REPORTS_READ", "REPORTS_SUBMIT"],
              "categoryCodes": ["traffic-light"], "departmentCode": "traffic-police"}


async def create_client(client, admin, **overrides):
    result = await client.execute(CREATE, {"input": {**READ_INPUT, **overrides}}, token=admin.access_token)
    return result.data["integratorClientCreate"]


async def request_token(client, data: dict, headers: dict | None = None):
    return await client.http.post("/oauth/token", data=data, headers=headers or {})


def body_credentials(created: dict, **extra: str) -> dict:
    return {"grant_type": "client_credentials", "client_id": created["client"]["clientId"],
            "client_secret": created["clientSecret"], **extra}


async def test_admin_creates_client(client, catalogue):
    admin = await factories.admin(client)

    created = await create_client(client, admin)

    assert created["errors"] == []
    assert created["client"]["scopes"] == ["REPORTS_READ", "REPORTS_SUBMIT"]
    assert created["client"]["categoryCodes"] == ["traffic-light"]
    assert created["client"]["departmentCode"] == "traffic-police"
    assert created["apiKey"] == f"{created['client']['clientId']}:{created['clientSecret']}"
    stored = await IntegratorClient.get(client_id=created["client"]["clientId"])
    assert stored.secret_hash.startswith("$argon2id$")
    assert created["clientSecret"] not in stored.secret_hash
    assert await AuditEntry.filter(action="integrator.create", target_id=str(stored.id)).count() == 1


async def test_secret_not_listed(client, catalogue):
    admin = await factories.admin(client)
    created = await create_client(client, admin)

    listed = await client.execute(LIST, token=admin.access_token)

    assert listed.data["integratorClients"] == [
        {"clientId": created["client"]["clientId"], "name": READ_INPUT["name"],
         "scopes": ["REPORTS_READ", "REPORTS_SUBMIT"], "categoryCodes": ["traffic-light"]}
    ]
    assert created["clientSecret"] not in str(listed.body)


async def test_create_validates_every_field(client, catalogue):
    admin = await factories.admin(client)

    created = await create_client(client, admin, name=" ", scopes=["REPORTS_READ"], categoryCodes=["no-such"],
                                  departmentCode="no-such")
    without_categories = await create_client(client, admin, scopes=["REPORTS_READ"], categoryCodes=[])
    without_scopes = await create_client(client, admin, scopes=[])

    assert {(e["field"], e["code"]) for e in created["errors"]} == {
        ("name", "INTEGRATOR_NAME_INVALID"), ("categoryCodes", "INTEGRATOR_CATEGORY_UNKNOWN"),
        ("departmentCode", "DEPARTMENT_UNKNOWN"),
    }
    assert without_categories["errors"] == [{"field": "categoryCodes", "code": "INTEGRATOR_CATEGORIES_REQUIRED"}]
    assert without_scopes["errors"] == [{"field": "scopes", "code": "INTEGRATOR_SCOPES_REQUIRED"}]
    assert await IntegratorClient.all().count() == 0


async def test_only_admins_manage_clients(client, catalogue):
    courier = await factories.active_courier(client)
    staff = await factories.staff(client, "traffic-police")

    anonymous = await client.execute(CREATE, {"input": READ_INPUT})
    as_courier = await client.execute(CREATE, {"input": READ_INPUT}, token=courier.access_token)
    as_staff = await client.execute(LIST, token=staff.access_token)

    assert anonymous.error_code == "UNAUTHENTICATED"
    assert as_courier.error_code == "FORBIDDEN"
    assert as_staff.error_code == "FORBIDDEN"
    assert await IntegratorClient.all().count() == 0


async def test_token_with_body_credentials(client, catalogue):
    admin = await factories.admin(client)
    created = await create_client(client, admin)

    response = await request_token(client, body_credentials(created))

    body = response.json()
    assert response.status_code == 200
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == get_settings().integrator_token_minutes * 60
    assert body["scope"] == "reports:read reports:submit"
    assert response.headers["cache-control"] == "no-store"
    principal = await service.principal_from_token(body["access_token"])
    assert principal.scopes == {"reports:read", "reports:submit"}
    assert principal.client_id == created["client"]["clientId"]


async def test_token_with_basic_credentials(client, catalogue):
    admin = await factories.admin(client)
    created = await create_client(client, admin)
    basic = base64.b64encode(f"{created['client']['clientId']}:{created['clientSecret']}".encode()).decode()

    response = await request_token(client, {"grant_type": "client_credentials", "scope": "reports:read"},
                                   {"authorization": f"Basic {basic}"})

    assert response.status_code == 200
    assert response.json()["scope"] == "reports:read"
    principal = await service.principal_from_token(response.json()["access_token"])
    assert principal.scopes == {"reports:read"}


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"client_secret": "fxs_wrong"}, 401, "invalid_client"),
        ({"client_id": "fxc_unknown"}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": ""}, 400, "invalid_request"),
        ({"scope": "reports:read users:write"}, 400, "invalid_scope"),
        ({"scope": ""}, 400, "invalid_scope"),
    ],
)
async def test_token_errors(client, catalogue, change, status, error):
    admin = await factories.admin(client)
    created = await create_client(client, admin)

    response = await request_token(client, {**body_credentials(created), **change})

    assert response.status_code == status
    assert response.json()["error"] == error
    assert "access_token" not in response.json()


async def test_token_rejects_json_and_repeated_parameters(client, catalogue):
    admin = await factories.admin(client)
    created = await create_client(client, admin)
    form = "&".join(f"{k}={v}" for k, v in body_credentials(created).items()) + "&grant_type=client_credentials"

    as_json = await client.http.post("/oauth/token", json=body_credentials(created))
    repeated = await client.http.post("/oauth/token", content=form,
                                      headers={"content-type": "application/x-www-form-urlencoded"})

    assert as_json.json()["error"] == "invalid_request"
    assert repeated.json()["error"] == "invalid_request"


async def test_token_rejects_two_authentication_methods(client, catalogue):
    admin = await factories.admin(client)
    created = await create_client(client, admin)
    basic = base64.b64encode(f"{created['client']['clientId']}:{created['clientSecret']}".encode()).decode()

    response = await request_token(client, body_credentials(created), {"authorization": f"Basic {basic}"})

    assert response.json()["error"] == "invalid_request"


async def test_client_token_is_not_a_user_token(client, catalogue):
    admin = await factories.admin(client)
    created = await create_client(client, admin)
    token = (await request_token(client, body_credentials(created))).json()["access_token"]

    result = await client.execute("{ me { id } }", token=token, language="en")

    assert result.error_code == "FORBIDDEN"
    assert result.error_reason == "CLIENT_TOKEN_NOT_ACCEPTED"
    assert "Open311" in result.errors[0]["message"]
    with pytest.raises(AppError):
        await service.principal_from_token(admin.access_token)


async def test_rotation_retires_old_secret_and_tokens(client, catalogue):
    admin = await factories.admin(client)
    created = await create_client(client, admin)
    old_token = (await request_token(client, body_credentials(created))).json()["access_token"]

    rotated = await client.execute(ROTATE, {"id": created["client"]["id"]}, token=admin.access_token)
    new_secret = rotated.data["integratorClientSecretRotate"]["clientSecret"]

    old_secret = await request_token(client, body_credentials(created))
    new = await request_token(client, body_credentials(created, client_secret=new_secret))
    assert old_secret.status_code == 401
    assert new.status_code == 200
    with pytest.raises(AppError) as raised:
        await service.principal_from_token(old_token)
    assert raised.value.message_key == "TOKEN_REVOKED"
    await service.principal_from_token(new.json()["access_token"])


async def test_revocation_stops_secret_and_tokens(client, catalogue):
    admin = await factories.admin(client)
    created = await create_client(client, admin)
    token = (await request_token(client, body_credentials(created))).json()["access_token"]

    revoked = await client.execute(REVOKE, {"id": created["client"]["id"]}, token=admin.access_token)
    rotate_after = await client.execute(ROTATE, {"id": created["client"]["id"]}, token=admin.access_token)

    assert revoked.data["integratorClientRevoke"]["client"]["revokedAt"] is not None
    assert (await request_token(client, body_credentials(created))).status_code == 401
    with pytest.raises(AppError):
        await service.principal_from_token(token)
    with pytest.raises(AppError):
        await service.principal_from_api_key(created["apiKey"])
    assert rotate_after.data["integratorClientSecretRotate"]["errors"] == [{"code": "INTEGRATOR_CLIENT_REVOKED"}]
    actions = await AuditEntry.filter(target_type="integrator_client").order_by("id").values_list("action", flat=True)
    assert actions == ["integrator.create", "integrator.revoke"]


async def test_other_jurisdiction_cannot_manage_client(client, catalogue):
    admin = await factories.admin(client)
    created = await create_client(client, admin)
    await Jurisdiction.create(code="other-street", name_zh="别的街道", name_en="Other street")
    other_admin = await factories.admin(client, jurisdiction="other-street")

    rotate = await client.execute(ROTATE, {"id": created["client"]["id"]}, token=other_admin.access_token)
    listed = await client.execute(LIST, token=other_admin.access_token)

    assert rotate.error_code == "NOT_FOUND"
    assert listed.data["integratorClients"] == []


async def test_token_endpoint_rate_limited(client, catalogue, monkeypatch):
    monkeypatch.setattr(get_settings(), "rate_limit_client_token_identity", "2/60")
    admin = await factories.admin(client)
    created = await create_client(client, admin)

    responses = [await request_token(client, body_credentials(created, client_secret="fxs_guess")) for _ in range(3)]

    assert [response.status_code for response in responses] == [401, 401, 429]
    assert responses[2].json()["error"] == "rate_limited"
    assert 1 <= int(responses[2].headers["retry-after"]) <= 60


async def test_scope_checked_by_permission_layer(client, catalogue):
    admin = await factories.admin(client)
    created = await create_client(client, admin, scopes=["REPORTS_READ"])
    principal = await service.principal_from_api_key(created["apiKey"])

    assert require_scope(principal, "reports:read") is principal
    with pytest.raises(Forbidden):
        require_scope(principal, "reports:submit")
