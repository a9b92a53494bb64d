"""Who sees what: couriers their own, departments their categories, admins their jurisdiction."""

import pytest
from tortoise import connections

from api.models.identity import User
from tests import factories
from tests.report_factories import MY_REPORTS, REPORT, REPORT_FIELDS, REPORTS, act, submitted, RESOLVE, ACCEPT

STATISTICS = """
query Stats($from: DateTime, $to: DateTime) {
  reportStatistics(createdFrom: $from, createdTo: $to) {
    total overdue medianSecondsToAccept medianSecondsToResolve
    byStatus { status count }
    byCategory { category { code } count }
    byDepartment { department { code } count }
    byCommunity { community { code } count }
  }
}
"""


async def test_courier_sees_only_own_reports(client, catalogue):
    alice = await factories.active_courier(client)
    bob = await factories.active_courier(client)
    own = await submitted(client, alice.access_token)
    others = await submitted(client, bob.access_token)

    mine = await client.execute(MY_REPORTS, token=alice.access_token)
    foreign = await client.execute(REPORT, {"id": others["id"]}, token=alice.access_token)
    missing = await client.execute(REPORT, {"id": "00000000-0000-4000-8000-000000000000"}, token=alice.access_token)
    malformed = await client.execute(REPORT, {"id": "not-a-uuid"}, token=alice.access_token)

    assert [e["node"]["id"] for e in mine.data["myReports"]["edges"]] == [own["id"]]
    assert foreign.error_code == "NOT_FOUND"
    assert missing.error_code == "NOT_FOUND"
    assert malformed.error_code == "NOT_FOUND"
    assert foreign.errors[0]["message"] == missing.errors[0]["message"]


async def test_my_reports_newest_first_with_cursor(client, catalogue):
    courier = await factories.active_courier(client)
    ids = [(await submitted(client, courier.access_token, category="garbage"))["id"] for _ in range(5)]

    first = (await client.execute(MY_REPORTS, {"first": 2}, token=courier.access_token)).data["myReports"]
    second = (
        await client.execute(MY_REPORTS, {"first": 2, "after": first["pageInfo"]["endCursor"]}, token=courier.access_token)
    ).data["myReports"]
    third = (
        await client.execute(MY_REPORTS, {"first": 2, "after": second["pageInfo"]["endCursor"]}, token=courier.access_token)
    ).data["myReports"]

    seen = [e["node"]["id"] for page in (first, second, third) for e in page["edges"]]
    assert seen == list(reversed(ids))
    assert (first["pageInfo"]["hasNextPage"], second["pageInfo"]["hasNextPage"], third["pageInfo"]["hasNextPage"]) == (
        True, True, False,
    )


async def test_my_reports_filter_by_status(client, catalogue):
    courier = await factories.active_courier(client)
    staff = await factories.staff(client, "traffic-police")
    open_report = await submitted(client, courier.access_token)
    done = await submitted(client, courier.access_token)
    await act(client, RESOLVE, staff.access_token, id=done["id"], comment="修好了")

    resolved = await client.execute(MY_REPORTS, {"statuses": ["RESOLVED"]}, token=courier.access_token)
    dispatched = await client.execute(MY_REPORTS, {"statuses": ["DISPATCHED"]}, token=courier.access_token)

    assert [e["node"]["id"] for e in resolved.data["myReports"]["edges"]] == [done["id"]]
    assert [e["node"]["id"] for e in dispatched.data["myReports"]["edges"]] == [open_report["id"]]


@pytest.mark.parametrize("variables, field, code", [
    ({"first": 0}, "first", "PAGE_SIZE_INVALID"),
    ({"first": 101}, "first", "PAGE_SIZE_INVALID"),
    ({"after": "garbage!"}, "after", "CURSOR_INVALID"),
])
async def test_bad_paging_rejected(client, catalogue, variables, field, code):
    courier = await factories.active_courier(client)

    result = await client.execute(MY_REPORTS, variables, token=courier.access_token)

    assert result.error_code == "BAD_USER_INPUT"
    assert [(f["field"], f["code"]) for f in result.errors[0]["extensions"]["fields"]] == [(field, code)]


async def test_staff_see_masked_reporter_and_no_phone(client, catalogue):
    courier = await factories.active_courier(client, realName="张三丰")
    staff = await factories.staff(client, "traffic-police")
    report = await submitted(client, courier.access_token)
    user = await User.get(id=courier.user_id)

    single = await client.execute(REPORT, {"id": report["id"]}, token=staff.access_token)
    listed = await client.execute(REPORTS, token=staff.access_token)

    assert single.data["report"]["reporter"] == {"maskedName": "张**", "company": {"code": "meituan", "name": "美团"}}
    for body in (single.body, listed.body):
        text = repr(body)
        assert user.phone not in text
        assert "张三丰" not in text


async def test_staff_cannot_query_reporter_fields_beyond_mask(client, catalogue):
    courier = await factories.active_courier(client)
    staff = await factories.staff(client, "traffic-police")
    report = await submitted(client, courier.access_token)

    result = await client.execute(
        "query R($id: ID!) { report(id: $id) { reporter { phone } } }", {"id": report["id"]}, token=staff.access_token
    )

    assert result.error_code == "BAD_USER_INPUT"


async def test_staff_filters(client, catalogue):
    courier = await factories.active_courier(client)
    urban = await factories.staff(client, "urban-management")
    garbage = await submitted(client, courier.access_token, category="garbage")
    sign = await submitted(client, courier.access_token, category="shop-sign")
    await act(client, ACCEPT, urban.access_token, id=sign["id"])

    by_category = await client.execute(REPORTS, {"filter": {"categoryCode": "garbage"}}, token=urban.access_token)
    by_status = await client.execute(REPORTS, {"filter": {"statuses": ["ACCEPTED"]}}, token=urban.access_token)
    by_community = await client.execute(REPORTS, {"filter": {"communityCode": "dafeng"}}, token=urban.access_token)
    by_time = await client.execute(
        REPORTS, {"filter": {"createdFrom": garbage["createdAt"], "createdTo": sign["createdAt"]}},
        token=urban.access_token,
    )
    unknown = await client.execute(REPORTS, {"filter": {"categoryCode": "nope"}}, token=urban.access_token)
    backwards = await client.execute(
        REPORTS, {"filter": {"createdFrom": sign["createdAt"], "createdTo": garbage["createdAt"]}},
        token=urban.access_token,
    )

    assert [e["node"]["id"] for e in by_category.data["reports"]["edges"]] == [garbage["id"]]
    assert [e["node"]["id"] for e in by_status.data["reports"]["edges"]] == [sign["id"]]
    assert by_community.data["reports"]["edges"] == []
    assert [e["node"]["id"] for e in by_time.data["reports"]["edges"]] == [garbage["id"]]
    assert unknown.errors[0]["extensions"]["fields"][0]["code"] == "CATEGORY_UNKNOWN"
    assert backwards.errors[0]["extensions"]["fields"][0]["code"] == "TIME_RANGE_INVALID"


async def test_courier_and_gatekeeper_cannot_list_department_queue(client, catalogue):
    courier = await factories.active_courier(client)
    gate = await factories.gatekeeper(client, ["sanhe"])
    report = await submitted(client, courier.access_token)

    as_courier = await client.execute(REPORTS, token=courier.access_token)
    as_gate = await client.execute(REPORTS, token=gate.access_token)
    gate_single = await client.execute(REPORT, {"id": report["id"]}, token=gate.access_token)

    assert as_courier.error_code == "FORBIDDEN"
    assert as_gate.error_code == "FORBIDDEN"
    assert gate_single.error_code == "NOT_FOUND"


async def test_admin_sees_everything_of_jurisdiction(client, catalogue):
    courier = await factories.active_courier(client)
    admin = await factories.admin(client)
    first = await submitted(client, courier.access_token, category="garbage")
    second = await submitted(client, courier.access_token, category="vice-tip")
    third = await submitted(client, courier.access_token, category="other", otherText="别的")

    listed = await client.execute(REPORTS, {"first": 10}, token=admin.access_token)
    by_department = await client.execute(
        REPORTS, {"filter": {"departmentCode": "police-dafeng-north"}}, token=admin.access_token
    )

    assert [e["node"]["id"] for e in listed.data["reports"]["edges"]] == [third["id"], second["id"], first["id"]]
    assert [e["node"]["id"] for e in by_department.data["reports"]["edges"]] == [second["id"]]


async def test_admin_statistics(client, catalogue):
    courier = await factories.active_courier(client)
    admin = await factories.admin(client)
    staff = await factories.staff(client, "urban-management")
    accepted = await submitted(client, courier.access_token, category="garbage")
    await submitted(client, courier.access_token, category="traffic-light")
    await submitted(client, courier.access_token, category="other", otherText="别的", point=(30.776, 104.08))
    await act(client, ACCEPT, staff.access_token, id=accepted["id"])
    await act(client, RESOLVE, staff.access_token, id=accepted["id"], comment="清走了")

    stats = (await client.execute(STATISTICS, token=admin.access_token)).data["reportStatistics"]

    assert stats["total"] == 3
    assert stats["overdue"] == 0
    assert {s["status"]: s["count"] for s in stats["byStatus"]} == {"DISPATCHED": 1, "RESOLVED": 1, "TRIAGE": 1}
    assert {c["category"]["code"]: c["count"] for c in stats["byCategory"]} == {
        "garbage": 1, "traffic-light": 1, "other": 1,
    }
    assert {d["department"]["code"]: d["count"] for d in stats["byDepartment"]} == {
        "urban-management": 1, "traffic-police": 1,
    }
    assert {(c["community"] or {}).get("code"): c["count"] for c in stats["byCommunity"]} == {"sanhe": 2, None: 1}
    assert stats["medianSecondsToAccept"] >= 0
    assert stats["medianSecondsToResolve"] >= 0


async def test_statistics_admin_only(client, catalogue):
    staff = await factories.staff(client, "urban-management")

    result = await client.execute(STATISTICS, token=staff.access_token)

    assert result.error_code == "FORBIDDEN"


async def test_other_jurisdiction_admin_sees_nothing(client, catalogue):
    from api.models.organisation import Jurisdiction

    await Jurisdiction.create(code="tianfu", name_zh="天府街道", name_en="Tianfu Street Office")
    courier = await factories.active_courier(client)
    foreign_admin = await factories.admin(client, jurisdiction="tianfu")
    report = await submitted(client, courier.access_token)

    single = await client.execute(REPORT, {"id": report["id"]}, token=foreign_admin.access_token)
    listed = await client.execute(REPORTS, token=foreign_admin.access_token)

    assert single.error_code == "NOT_FOUND"
    assert listed.data["reports"]["edges"] == []


class QueryCounter:
    """Counts SQL statements sent through the default connection's execute methods."""

    METHODS = ("execute_query", "execute_query_dict", "execute_insert", "execute_many", "execute_script")

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        connection = connections.get("default")
        for name in self.METHODS:
            original = getattr(connection, name)
            monkeypatch.setattr(connection, name, self._wrap(original))

    def _wrap(self, original):  # type: ignore[no-untyped-def]
        async def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.count += 1
            return await original(*args, **kwargs)

        return counted


async def test_page_query_count_independent_of_size(client, catalogue, monkeypatch):
    couriers = [await factories.active_courier(client) for _ in range(3)]
    staff = await factories.staff(client, "urban-management")
    for number in range(50):
        courier = couriers[number % 3]
        report = await submitted(client, courier.access_token, category="garbage" if number % 2 else "shop-sign")
        # Every fifth report, the newest included, has a staff actor in its timeline, so the page of
        # one needs the same kinds of related rows as the page of fifty.
        if number % 5 == 4:
            await act(client, ACCEPT, staff.access_token, id=report["id"], comment="收到")
    page = f"query P($first: Int) {{ reports(first: $first) {{ edges {{ node {{ {REPORT_FIELDS} }} }} }} }}"
    counter = QueryCounter(monkeypatch)

    counter.count = 0
    one = await client.execute(page, {"first": 1}, token=staff.access_token)
    count_one = counter.count
    counter.count = 0
    fifty = await client.execute(page, {"first": 50}, token=staff.access_token)
    count_fifty = counter.count

    assert len(one.data["reports"]["edges"]) == 1
    assert len(fifty.data["reports"]["edges"]) == 50
    assert all(e["node"]["timeline"] for e in fifty.data["reports"]["edges"])
    assert all(e["node"]["community"] for e in fifty.data["reports"]["edges"])
    assert count_one > 0
    assert count_fifty == count_one
