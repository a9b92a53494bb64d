"""Open311 GeoReport v2: services, reading requests within reach, filing requests as an integrator."""

from __future__ import annotations

import uuid

import pytest

from api.config import get_settings
from api.models.integrators import IntegratorReport
from api.models.reports import Report, ReportSource
from tests import factories

V2 = "/open311/v2"
INSIDE_SANHE = {"latitude": 30.776, "longitude": 104.096}

SUBMIT = """
mutation Submit($input: ReportSubmitInput!) {
  reportSubmit(input: $input) { report { id } errors { field code } }
}
"""
CREATE_CLIENT = """
mutation Create($input: IntegratorClientCreateInput!) {
  integratorClientCreate(input: $input) { apiKey clientSecret client { id clientId } errors { code } }
}
"""
REVOKE = "mutation Revoke($id: ID!) { integratorClientRevoke(id: $id) { client { revokedAt } } }"


async def submit(client, courier, category: str, description: str = "路口信号灯不亮") -> str:
    location = {**INSIDE_SANHE, "coordinateSystem": "WGS84"}
    other = {"otherText": "其它问题"} if category == "other" else {}
    result = await client.execute(
        SUBMIT,
        {"input": {"categoryCode": category, "location": location, "idempotencyKey": uuid.uuid4().hex,
                   "description": description, **other}},
        token=courier.access_token,
    )
    payload = result.data["reportSubmit"]
    assert payload["errors"] == []
    return payload["report"]["id"]


async def integrator(client, admin, scopes: list[str], categories: list[str]) -> dict:
    result = await client.execute(
        CREATE_CLIENT,
        {"input": {"name": "区级平台", "scopes": scopes, "categoryCodes": categories}},
        token=admin.access_token,
    )
    return result.data["integratorClientCreate"]


@pytest.fixture
async def world(client, catalogue):
    """An admin, a courier with a traffic-light, a garbage and a vice-tip report, and a reading client."""
    admin = await factories.admin(client)
    courier = await factories.active_courier(client)
    reports = {
        "traffic-light": await submit(client, courier, "traffic-light"),
        "garbage": await submit(client, courier, "garbage", "垃圾堆积"),
        "vice-tip": await submit(client, courier, "vice-tip", "可疑场所"),
    }
    reader = await integrator(client, admin, ["REPORTS_READ"], ["traffic-light", "vice-tip"])
    return {"admin": admin, "courier": courier, "reports": reports, "reader": reader}


async def test_services_list_public_categories(client, catalogue):
    response = await client.http.get(f"{V2}/services.json", params={"jurisdiction_id": "dafeng"})
    english = await client.http.get(f"{V2}/services.json", headers={"accept-language": "en"})

    codes = [service["service_code"] for service in response.json()]
    assert response.status_code == 200
    assert "traffic-light" in codes
    assert "vice-tip" not in codes
    traffic = next(s for s in english.json() if s["service_code"] == "traffic-light")
    assert set(traffic) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    assert traffic["metadata"] is False
    assert traffic["type"] == "realtime"
    assert traffic["group"] == "traffic"


async def test_service_definition_and_private_category(client, catalogue):
    found = await client.http.get(f"{V2}/services/traffic-light.json")
    private = await client.http.get(f"{V2}/services/vice-tip.json")
    unknown = await client.http.get(f"{V2}/services/nothing.json", params={"jurisdiction_id": "nowhere"})

    assert found.json() == {"service_code": "traffic-light", "attributes": []}
    assert private.status_code == 404
    assert private.json() == [{"code": 404, "description": "service_code vice-tip not found"}]
    assert unknown.status_code == 404


async def test_requests_need_credentials(client, world):
    anonymous = await client.http.get(f"{V2}/requests.json")
    bad_key = await client.http.get(f"{V2}/requests.json", headers={"x-api-key": "fxc_x:fxs_y"})

    assert anonymous.status_code == 401
    assert anonymous.json()[0]["code"] == 401
    assert bad_key.status_code == 401


async def test_api_key_in_url_rejected(client, world):
    response = await client.http.get(f"{V2}/requests.json", params={"api_key": world["reader"]["apiKey"]})

    assert response.status_code == 400
    assert "X-Api-Key" in response.json()[0]["description"]


async def test_client_reads_only_granted_public_categories(client, world):
    response = await client.http.get(f"{V2}/requests.json", headers={"x-api-key": world["reader"]["apiKey"]})

    records = response.json()
    assert [record["service_request_id"] for record in records] == [world["reports"]["traffic-light"]]
    record = records[0]
    assert record["status"] == "open"
    assert record["service_code"] == "traffic-light"
    assert record["agency_responsible"] == "交警中队"
    assert record["lat"] == pytest.approx(INSIDE_SANHE["latitude"])
    assert record["long"] == pytest.approx(INSIDE_SANHE["longitude"])
    assert not {"reporter", "email", "phone", "first_name", "last_name", "account_id"} & set(record)
    assert world["courier"].user_id not in response.text


async def test_private_category_never_listed(client, world):
    by_id = await client.http.get(
        f"{V2}/requests.json",
        headers={"x-api-key": world["reader"]["apiKey"]}, params={"service_request_id": world["reports"]["vice-tip"]},
    )
    item = await client.http.get(f"{V2}/requests/{world['reports']['vice-tip']}.json",
                                 headers={"x-api-key": world["reader"]["apiKey"]})
    as_admin = await client.http.get(f"{V2}/requests.json",
                                     headers={"authorization": f"Bearer {world['admin'].access_token}"})

    assert by_id.json() == []
    assert item.status_code == 404
    assert world["reports"]["vice-tip"] not in as_admin.text
    assert len(as_admin.json()) == 2


async def test_request_filters(client, world):
    key = world["reader"]["apiKey"]

    closed = await client.http.get(f"{V2}/requests.json", headers={"x-api-key": key}, params={"status": "closed"})
    opened = await client.http.get(f"{V2}/requests.json", headers={"x-api-key": key}, params={"status": "open"})
    other_code = await client.http.get(f"{V2}/requests.json", headers={"x-api-key": key}, params={"service_code": "garbage"})
    future = await client.http.get(f"{V2}/requests.json", headers={"x-api-key": key}, params={"start_date": "2999-01-01T00:00:00Z"})
    bad_status = await client.http.get(f"{V2}/requests.json", headers={"x-api-key": key}, params={"status": "pending"})
    bad_date = await client.http.get(f"{V2}/requests.json", headers={"x-api-key": key}, params={"start_date": "yesterday"})
    bad_id = await client.http.get(f"{V2}/requests.json", headers={"x-api-key": key}, params={"service_request_id": "1,2"})

    assert closed.json() == []
    assert len(opened.json()) == 1
    assert other_code.json() == []
    assert future.json() == []
    assert bad_status.status_code == 400
    assert bad_date.status_code == 400
    assert bad_id.status_code == 400


async def test_request_item(client, world):
    key = world["reader"]["apiKey"]

    found = await client.http.get(f"{V2}/requests/{world['reports']['traffic-light']}.json", headers={"x-api-key": key})
    outside_grant = await client.http.get(f"{V2}/requests/{world['reports']['garbage']}.json", headers={"x-api-key": key})
    malformed = await client.http.get(f"{V2}/requests/not-an-id.json", headers={"x-api-key": key})

    assert [record["service_request_id"] for record in found.json()] == [world["reports"]["traffic-light"]]
    assert outside_grant.status_code == 404
    assert malformed.status_code == 404


async def test_department_reads_only_its_reports(client, world):
    traffic = await factories.staff(client, "traffic-police")
    headers = {"authorization": f"Bearer {traffic.access_token}"}

    listed = await client.http.get(f"{V2}/requests.json", headers=headers)
    other = await client.http.get(f"{V2}/requests/{world['reports']['garbage']}.json", headers=headers)
    by_id = await client.http.get(f"{V2}/requests.json", headers=headers,
                                  params={"service_request_id": world["reports"]["garbage"]})

    assert [record["service_request_id"] for record in listed.json()] == [world["reports"]["traffic-light"]]
    assert other.status_code == 404
    assert by_id.json() == []


async def test_client_without_read_scope_rejected(client, world):
    filer = await integrator(client, world["admin"], ["REPORTS_SUBMIT"], [])

    response = await client.http.get(f"{V2}/requests.json", headers={"x-api-key": filer["apiKey"]})

    assert response.status_code == 403


async def test_client_files_request(client, world):
    filer = await integrator(client, world["admin"], ["REPORTS_SUBMIT"], [])

    response = await client.http.post(
        f"{V2}/requests.json",
        data={"api_key": filer["apiKey"], "service_code": "traffic-light", "lat": "30.776", "long": "104.096",
              "description": "信号灯故障", "email": "someone@example.cn", "first_name": "张", "phone": "13900000000",
              "address_string": "大丰街道三河路口"},
    )

    assert response.status_code == 200
    (created,) = response.json()
    assert created["service_notice"] == "交警中队"
    assert created["account_id"] is None
    report = await Report.get(id=created["service_request_id"])
    assert report.source is ReportSource.INTEGRATOR
    assert report.reporter_id is None
    assert report.address == "大丰街道三河路口"
    assert report.status.value == "DISPATCHED"
    link = await IntegratorReport.get(report_id=report.id).select_related("client")
    assert link.client.client_id == filer["client"]["clientId"]
    assert "someone@example.cn" not in str(await Report.filter(id=report.id).values())


async def test_filed_request_readable_by_department(client, world):
    filer = await integrator(client, world["admin"], ["REPORTS_SUBMIT"], [])
    traffic = await factories.staff(client, "traffic-police")
    created = await client.http.post(
        f"{V2}/requests.json",
        data={"api_key": filer["apiKey"], "service_code": "traffic-light", "lat": "30.776", "long": "104.096"},
    )
    report_id = created.json()[0]["service_request_id"]

    item = await client.http.get(f"{V2}/requests/{report_id}.json",
                                 headers={"authorization": f"Bearer {traffic.access_token}"})

    assert item.json()[0]["agency_responsible"] == "交警中队"


async def test_filing_with_client_access_token(client, world):
    filer = await integrator(client, world["admin"], ["REPORTS_SUBMIT"], [])
    token = await client.http.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": filer["client"]["clientId"],
        "client_secret": filer["clientSecret"]})

    response = await client.http.post(
        f"{V2}/requests.json",
        data={"service_code": "garbage", "lat": "30.776", "long": "104.096"},
        headers={"authorization": f"Bearer {token.json()['access_token']}"},
    )

    assert response.status_code == 200


async def test_filing_outside_scope_rejected(client, world):
    before = await Report.all().count()

    response = await client.http.post(
        f"{V2}/requests.json",
        data={"api_key": world["reader"]["apiKey"], "service_code": "traffic-light", "lat": "30.776", "long": "104.096"},
    )

    assert response.status_code == 403
    assert await Report.all().count() == before


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({"service_code": "vice-tip", "lat": "30.776", "long": "104.096"}, 404),
        ({"service_code": "no-such", "lat": "30.776", "long": "104.096"}, 400),
        ({"service_code": "traffic-light", "long": "104.096"}, 400),
        ({"service_code": "traffic-light", "lat": "nan", "long": "104.096"}, 400),
        ({"service_code": "traffic-light", "lat": "95", "long": "104.096"}, 400),
        ({"lat": "30.776", "long": "104.096"}, 400),
        ({"service_code": "traffic-light", "lat": "30.776", "long": "104.096", "jurisdiction_id": "elsewhere"}, 404),
    ],
)
async def test_filing_bad_input_changes_nothing(client, world, form, status):
    filer = await integrator(client, world["admin"], ["REPORTS_SUBMIT"], [])
    before = await Report.all().count()

    response = await client.http.post(f"{V2}/requests.json", data={"api_key": filer["apiKey"], **form})

    assert response.status_code == status
    assert response.json()[0]["code"] == status
    assert await Report.all().count() == before


async def test_filing_rejects_json_and_users(client, world):
    filer = await integrator(client, world["admin"], ["REPORTS_SUBMIT"], [])
    form = {"service_code": "traffic-light", "lat": "30.776", "long": "104.096"}

    as_json = await client.http.post(f"{V2}/requests.json", json={"api_key": filer["apiKey"], **form})
    as_courier = await client.http.post(f"{V2}/requests.json", data=form,
                                        headers={"authorization": f"Bearer {world['courier'].access_token}"})

    assert as_json.status_code == 400
    assert as_courier.status_code == 403


async def test_revoked_key_rejected(client, world):
    await client.execute(REVOKE, {"id": world["reader"]["client"]["id"]}, token=world["admin"].access_token)

    response = await client.http.get(f"{V2}/requests.json", headers={"x-api-key": world["reader"]["apiKey"]})

    assert response.status_code == 401


async def test_filing_rate_limited(client, world, monkeypatch):
    monkeypatch.setattr(get_settings(), "rate_limit_report_identity", "1/60")
    filer = await integrator(client, world["admin"], ["REPORTS_SUBMIT"], [])
    form = {"api_key": filer["apiKey"], "service_code": "garbage", "lat": "30.776", "long": "104.096"}

    first = await client.http.post(f"{V2}/requests.json", data=form)
    second = await client.http.post(f"{V2}/requests.json", data=form)

    assert first.status_code == 200
    assert second.status_code == 429
    assert second.json()[0]["code"] == 429
    assert 1 <= int(second.headers["retry-after"]) <= 60
