"""A department cannot read another department's report through any HTTP path.

The subscription path is covered in test_subscriptions.py. The schema has no Relay node field.
"""

from __future__ import annotations

from tests import factories
from tests.test_open311 import submit

REPORT = "query One($id: ID!) { report(id: $id) { id } }"
REPORTS = "{ reports(first: 50) { edges { node { id } } } }"


async def test_other_department_report_unreachable(client, catalogue):
    courier = await factories.active_courier(client)
    garbage_id = await submit(client, courier, "garbage", "垃圾堆积")
    traffic_id = await submit(client, courier, "traffic-light")
    traffic = await factories.staff(client, "traffic-police")
    bearer = {"authorization": f"Bearer {traffic.access_token}"}

    field = await client.execute(REPORT, {"id": garbage_id}, token=traffic.access_token)
    connection = await client.execute(REPORTS, token=traffic.access_token)
    open311_item = await client.http.get(f"/open311/v2/requests/{garbage_id}.json", headers=bearer)
    open311_list = await client.http.get("/open311/v2/requests.json", headers=bearer)
    open311_by_id = await client.http.get("/open311/v2/requests.json", headers=bearer,
                                          params={"service_request_id": garbage_id})

    assert field.error_code == "NOT_FOUND"
    assert [edge["node"]["id"] for edge in connection.data["reports"]["edges"]] == [traffic_id]
    assert open311_item.status_code == 404
    assert [record["service_request_id"] for record in open311_list.json()] == [traffic_id]
    assert open311_by_id.json() == []
