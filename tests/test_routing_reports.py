"""Routing rules end to end: category, community, border, triage, hand-back, category change, duplicates."""

from api.models.reports import DispatchRole, DuplicateLink, Report, ReportDispatch
from tests import factories
from tests.report_factories import (
    CATEGORY_CHANGE,
    CLASSIFY,
    DAFENG,
    DUPLICATE_CONFIRM,
    DUPLICATE_DISMISS,
    HAND_BACK,
    NEAR_SANHE,
    REPORT,
    REPORTS,
    SANHE,
    SANHE_DAFENG_EDGE,
    act,
    submitted,
)

TRIAGE_QUEUE = "query { triageQueue(first: 50) { edges { node { id status triageReason } } } }"


async def can_read(client, token: str, report_id: str) -> bool:
    result = await client.execute(REPORT, {"id": report_id}, token=token)
    if result.errors:
        assert result.error_code == "NOT_FOUND"
        return False
    return result.data["report"]["id"] == report_id


async def listed_ids(client, token: str, **filters) -> list[str]:
    result = await client.execute(REPORTS, {"filter": filters or None, "first": 100}, token=token)
    return [edge["node"]["id"] for edge in result.data["reports"]["edges"]]


async def test_category_reaches_granted_department_only(client, catalogue):
    courier = await factories.active_courier(client)
    traffic = await factories.staff(client, "traffic-police")
    urban = await factories.staff(client, "urban-management")

    report = await submitted(client, courier.access_token, category="traffic-light")

    assert await can_read(client, traffic.access_token, report["id"])
    assert not await can_read(client, urban.access_token, report["id"])
    assert await listed_ids(client, traffic.access_token) == [report["id"]]
    assert await listed_ids(client, urban.access_token) == []


async def test_several_granted_departments_all_receive(client, catalogue):
    courier = await factories.active_courier(client)
    hospital = await factories.staff(client, "hospital-emergency")
    health = await factories.staff(client, "community-health")

    report = await submitted(client, courier.access_token, category="medical-emergency")

    assert await can_read(client, hospital.access_token, report["id"])
    assert await can_read(client, health.access_token, report["id"])


async def test_location_reaches_its_community_only(client, catalogue):
    courier = await factories.active_courier(client)
    sanhe = await factories.staff(client, "community-sanhe")
    dafeng = await factories.staff(client, "community-dafeng")

    report = await submitted(client, courier.access_token, category="garbage", point=SANHE)

    assert await can_read(client, sanhe.access_token, report["id"])
    assert not await can_read(client, dafeng.access_token, report["id"])
    assert await listed_ids(client, sanhe.access_token) == [report["id"]]


async def test_private_category_never_reaches_community(client, catalogue):
    courier = await factories.active_courier(client)
    police = await factories.staff(client, "police-dafeng-north")
    sanhe = await factories.staff(client, "community-sanhe")

    report = await submitted(client, courier.access_token, category="vice-tip", point=SANHE)

    assert report["community"]["code"] == "sanhe"
    assert await can_read(client, police.access_token, report["id"])
    assert not await can_read(client, sanhe.access_token, report["id"])
    assert not await ReportDispatch.exists(report_id=report["id"], role=DispatchRole.COMMUNITY)


async def test_shared_edge_goes_to_first_code(client, catalogue):
    courier = await factories.active_courier(client)
    dafeng = await factories.staff(client, "community-dafeng")
    sanhe = await factories.staff(client, "community-sanhe")

    report = await submitted(client, courier.access_token, category="garbage", point=SANHE_DAFENG_EDGE)

    assert report["community"]["code"] == "dafeng"
    assert await can_read(client, dafeng.access_token, report["id"])
    assert not await can_read(client, sanhe.access_token, report["id"])


async def test_point_just_outside_snaps_to_nearest(client, catalogue):
    courier = await factories.active_courier(client)

    report = await submitted(client, courier.access_token, category="garbage", point=NEAR_SANHE)

    assert report["community"]["code"] == "sanhe"
    assert report["outsideCommunities"] is False
    assert report["status"] == "DISPATCHED"


async def test_other_waits_in_triage_until_classified(client, catalogue):
    courier = await factories.active_courier(client)
    admin = await factories.admin(client)
    urban = await factories.staff(client, "urban-management")
    report = await submitted(client, courier.access_token, category="other", otherText="井盖被偷了")

    queue = (await client.execute(TRIAGE_QUEUE, token=admin.access_token)).data["triageQueue"]["edges"]
    assert [(e["node"]["id"], e["node"]["triageReason"]) for e in queue] == [(report["id"], "OTHER_CATEGORY")]
    assert not await can_read(client, urban.access_token, report["id"])

    result = await act(client, CLASSIFY, admin.access_token, id=report["id"], code="manhole-cover", comment="井盖")

    classified = result.data["reportClassify"]
    assert classified["errors"] == []
    assert classified["report"]["status"] == "DISPATCHED"
    assert classified["report"]["category"]["code"] == "manhole-cover"
    assert [d["code"] for d in classified["report"]["departments"]] == ["urban-management"]
    assert [e["kind"] for e in classified["report"]["timeline"]][-2:] == ["CLASSIFIED", "DISPATCHED"]
    assert await can_read(client, urban.access_token, report["id"])
    queue = (await client.execute(TRIAGE_QUEUE, token=admin.access_token)).data["triageQueue"]["edges"]
    assert queue == []


async def test_classify_rejects_bad_targets(client, catalogue):
    courier = await factories.active_courier(client)
    admin = await factories.admin(client)
    staff = await factories.staff(client, "urban-management")
    triage = await submitted(client, courier.access_token, category="other", otherText="其它问题")
    dispatched = await submitted(client, courier.access_token, category="garbage")

    to_other = await act(client, CLASSIFY, admin.access_token, id=triage["id"], code="other")
    unknown = await act(client, CLASSIFY, admin.access_token, id=triage["id"], code="nope")
    not_in_triage = await act(client, CLASSIFY, admin.access_token, id=dispatched["id"], code="shop-sign")
    by_staff = await act(client, CLASSIFY, staff.access_token, id=triage["id"], code="garbage")

    assert to_other.data["reportClassify"]["errors"][0]["code"] == "CATEGORY_NOT_ROUTABLE"
    assert unknown.data["reportClassify"]["errors"][0]["code"] == "CATEGORY_UNKNOWN"
    assert not_in_triage.data["reportClassify"]["errors"][0]["code"] == "STATUS_TRANSITION_INVALID"
    assert by_staff.error_code == "FORBIDDEN"
    assert (await Report.get(id=triage["id"])).status.value == "TRIAGE"
    assert (await Report.get(id=dispatched["id"]).prefetch_related("category")).category.code == "garbage"


async def test_hand_back_returns_report_to_triage(client, catalogue):
    courier = await factories.active_courier(client)
    admin = await factories.admin(client)
    traffic = await factories.staff(client, "traffic-police")
    report = await submitted(client, courier.access_token, category="traffic-light")

    missing_reason = await act(client, HAND_BACK, traffic.access_token, id=report["id"], reason="  ")
    result = await act(client, HAND_BACK, traffic.access_token, id=report["id"], reason="这是路灯，不是信号灯")

    assert missing_reason.data["reportHandBack"]["errors"][0]["code"] == "COMMENT_REQUIRED"
    assert result.data["reportHandBack"]["report"]["status"] == "TRIAGE"
    assert not await can_read(client, traffic.access_token, report["id"])
    queue = (await client.execute(TRIAGE_QUEUE, token=admin.access_token)).data["triageQueue"]["edges"]
    assert [(e["node"]["id"], e["node"]["triageReason"]) for e in queue] == [(report["id"], "HANDED_BACK")]
    admin_view = (await client.execute(REPORT, {"id": report["id"]}, token=admin.access_token)).data["report"]
    handed = [e for e in admin_view["timeline"] if e["kind"] == "HANDED_BACK"]
    assert handed[0]["comment"] == "这是路灯，不是信号灯"
    assert handed[0]["internal"] is True
    assert handed[0]["department"]["code"] == "traffic-police"
    courier_view = (await client.execute(REPORT, {"id": report["id"]}, token=courier.access_token)).data["report"]
    assert "HANDED_BACK" not in [e["kind"] for e in courier_view["timeline"]]
    assert courier_view["status"] == "TRIAGE"


async def test_category_change_moves_access_at_once(client, catalogue):
    courier = await factories.active_courier(client)
    admin = await factories.admin(client)
    traffic = await factories.staff(client, "traffic-police")
    urban = await factories.staff(client, "urban-management")
    report = await submitted(client, courier.access_token, category="traffic-light")

    result = await act(
        client, CATEGORY_CHANGE, admin.access_token, id=report["id"], code="municipal-facility", comment="是路灯"
    )

    changed = result.data["reportCategoryChange"]["report"]
    assert changed["category"]["code"] == "municipal-facility"
    assert changed["status"] == "DISPATCHED"
    assert [d["code"] for d in changed["departments"]] == ["urban-management"]
    assert not await can_read(client, traffic.access_token, report["id"])
    assert await can_read(client, urban.access_token, report["id"])
    rerouted = [e for e in changed["timeline"] if e["kind"] == "REROUTED"]
    assert rerouted[0]["actor"] == {"maskedName": "李**", "role": "ADMIN"}
    assert rerouted[0]["comment"] == "是路灯"
    old = await ReportDispatch.filter(report_id=report["id"], role=DispatchRole.OWNER).order_by("id").values_list(
        "department__code", "active"
    )
    assert old == [("traffic-police", False), ("urban-management", True)]


async def test_owner_changes_category_of_accepted_report(client, catalogue):
    from tests.report_factories import ACCEPT

    courier = await factories.active_courier(client)
    urban = await factories.staff(client, "urban-management")
    police = await factories.staff(client, "police-dafeng-north")
    report = await submitted(client, courier.access_token, category="garbage")
    await act(client, ACCEPT, urban.access_token, id=report["id"])

    same = await act(client, CATEGORY_CHANGE, urban.access_token, id=report["id"], code="garbage", comment="同类")
    result = await act(client, CATEGORY_CHANGE, urban.access_token, id=report["id"], code="vice-tip", comment="涉赌")

    assert same.data["reportCategoryChange"]["errors"][0]["code"] == "CATEGORY_UNCHANGED"
    assert result.data["reportCategoryChange"]["report"]["status"] == "DISPATCHED"
    assert result.data["reportCategoryChange"]["report"]["acceptedAt"] is None
    assert not await can_read(client, urban.access_token, report["id"])
    assert await can_read(client, police.access_token, report["id"])
    # The new category is private, so the community loses its view too.
    assert not await ReportDispatch.exists(report_id=report["id"], role=DispatchRole.COMMUNITY, active=True)


async def test_category_change_needs_a_comment_and_reach(client, catalogue):
    courier = await factories.active_courier(client)
    traffic = await factories.staff(client, "traffic-police")
    sanhe = await factories.staff(client, "community-sanhe")
    report = await submitted(client, courier.access_token, category="garbage")

    no_comment = await act(client, CATEGORY_CHANGE, sanhe.access_token, id=report["id"], code="shop-sign", comment="")
    community = await act(client, CATEGORY_CHANGE, sanhe.access_token, id=report["id"], code="shop-sign", comment="x")
    stranger = await act(client, CATEGORY_CHANGE, traffic.access_token, id=report["id"], code="shop-sign", comment="x")

    assert no_comment.data["reportCategoryChange"]["errors"][0]["code"] == "COMMENT_REQUIRED"
    assert community.error_code == "FORBIDDEN"
    assert stranger.error_code == "NOT_FOUND"
    assert (await Report.get(id=report["id"]).prefetch_related("category")).category.code == "garbage"


def moved(point: tuple[float, float], north_m: float) -> tuple[float, float]:
    return (point[0] + north_m / 111_195.0, point[1])


async def test_nearby_open_report_linked_as_possible_duplicate(client, catalogue):
    courier = await factories.active_courier(client)
    other = await factories.active_courier(client)
    first = await submitted(client, courier.access_token, category="garbage", point=DAFENG)

    near = await submitted(client, other.access_token, category="garbage", point=moved(DAFENG, 10))
    far = await submitted(client, other.access_token, category="garbage", point=moved(DAFENG, 200))
    other_category = await submitted(client, other.access_token, category="shop-sign", point=moved(DAFENG, 5))

    assert [(d["originalId"], d["status"]) for d in near["possibleDuplicates"]] == []  # couriers never see links
    links = await DuplicateLink.filter(report_id=near["id"]).values_list("original_id", "distance_m")
    assert [(str(o), round(d)) for o, d in links] == [(first["id"], 10)]
    assert not await DuplicateLink.exists(report_id=far["id"])
    assert not await DuplicateLink.exists(report_id=other_category["id"])


async def test_staff_confirm_duplicate(client, catalogue):
    courier = await factories.active_courier(client)
    urban = await factories.staff(client, "urban-management")
    traffic = await factories.staff(client, "traffic-police")
    first = await submitted(client, courier.access_token, category="garbage", point=DAFENG)
    second = await submitted(client, courier.access_token, category="garbage", point=moved(DAFENG, 8))
    staff_view = (await client.execute(REPORT, {"id": second["id"]}, token=urban.access_token)).data["report"]
    link_id = staff_view["possibleDuplicates"][0]["id"]
    assert staff_view["possibleDuplicates"][0]["originalId"] == first["id"]

    stranger = await act(client, DUPLICATE_CONFIRM, traffic.access_token, id=link_id)
    result = await act(client, DUPLICATE_CONFIRM, urban.access_token, id=link_id, comment="同一堆垃圾")
    again = await act(client, DUPLICATE_DISMISS, urban.access_token, id=link_id)

    assert stranger.error_code == "NOT_FOUND"
    confirmed = result.data["reportDuplicateConfirm"]["report"]
    assert confirmed["status"] == "DUPLICATE"
    assert confirmed["duplicateOfId"] == first["id"]
    assert confirmed["possibleDuplicates"][0]["status"] == "CONFIRMED"
    assert again.data["reportDuplicateDismiss"]["errors"][0]["code"] == "DUPLICATE_LINK_DECIDED"
    courier_view = (await client.execute(REPORT, {"id": second["id"]}, token=courier.access_token)).data["report"]
    assert courier_view["timeline"][-1]["kind"] == "DUPLICATE_CONFIRMED"


async def test_staff_dismiss_duplicate(client, catalogue):
    courier = await factories.active_courier(client)
    admin = await factories.admin(client)
    await submitted(client, courier.access_token, category="garbage", point=DAFENG)
    second = await submitted(client, courier.access_token, category="garbage", point=moved(DAFENG, 8))
    link = await DuplicateLink.get(report_id=second["id"])

    result = await act(client, DUPLICATE_DISMISS, admin.access_token, id=str(link.id), comment="不同位置")

    dismissed = result.data["reportDuplicateDismiss"]["report"]
    assert dismissed["status"] == "DISPATCHED"
    assert dismissed["possibleDuplicates"][0]["status"] == "DISMISSED"
    assert dismissed["timeline"][-1]["kind"] == "DUPLICATE_DISMISSED"
    assert dismissed["timeline"][-1]["internal"] is True


async def test_unknown_duplicate_link_not_found(client, catalogue):
    admin = await factories.admin(client)

    unknown = await act(client, DUPLICATE_CONFIRM, admin.access_token, id="999999")
    malformed = await act(client, DUPLICATE_CONFIRM, admin.access_token, id="abc")

    assert unknown.error_code == "NOT_FOUND"
    assert malformed.error_code == "NOT_FOUND"
