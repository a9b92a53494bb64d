"""Submitting a report: storage in WGS-84, the courier's reply, idempotency and every bad input."""

import json

import pytest

from api.models.catalogue import Category
from api.models.reports import CoordinateSystem, DuplicateLink, Report, ReportDispatch, TimelineEntry
from tests import factories
from tests.report_factories import (
    DAFENG,
    OUTSIDE,
    SUBMIT,
    submit,
    submit_input,
    submitted,
)


async def table_counts() -> dict[str, int]:
    return {
        "reports": await Report.all().count(),
        "dispatches": await ReportDispatch.all().count(),
        "timeline": await TimelineEntry.all().count(),
        "links": await DuplicateLink.all().count(),
    }


async def test_submit_dispatches_to_department_and_community(client, catalogue):
    courier = await factories.active_courier(client)

    payload = (await submit(client, courier.access_token)).data["reportSubmit"]

    report = payload["report"]
    assert payload["errors"] == []
    assert payload["replayed"] is False
    assert report["status"] == "DISPATCHED"
    assert report["category"]["code"] == "traffic-light"
    assert [d["code"] for d in report["departments"]] == ["traffic-police"]
    assert report["community"]["code"] == "sanhe"
    assert report["outsideCommunities"] is False
    assert report["dueAt"] is not None
    assert [e["kind"] for e in report["timeline"]] == ["SUBMITTED", "DISPATCHED"]
    assert payload["replyMessage"] == "丰行侠你好，你反映的问题已交由交警中队处理，核实后可获积分10分。"
    assert payload["emergencyCall"] is None
    assert payload["emergencyMessage"] is None
    dispatches = await ReportDispatch.filter(report_id=report["id"]).order_by("role").values_list("role", "active")
    assert sorted((r.value, a) for r, a in dispatches) == [("COMMUNITY", True), ("OWNER", True)]


async def test_reply_in_english(client, catalogue):
    courier = await factories.active_courier(client)

    payload = (await submit(client, courier.access_token, language="en")).data["reportSubmit"]

    assert payload["replyMessage"] == (
        "Hello, Fengxingxia! Your report was handed to Traffic Police Squadron; "
        "you will earn 10 points once it is verified."
    )


@pytest.mark.parametrize(
    "category, number, message",
    [
        ("medical-emergency", "120", "情况紧急，请立即拨打120急救电话！"),
        ("person-in-danger", "110", "有人身危险，请立即拨打110报警电话！"),
    ],
)
async def test_emergency_tells_courier_to_call(client, catalogue, category, number, message):
    courier = await factories.active_courier(client)

    payload = (await submit(client, courier.access_token, category=category)).data["reportSubmit"]

    assert payload["emergencyCall"] == number
    assert payload["emergencyMessage"] == message
    assert payload["report"]["status"] == "DISPATCHED"


async def test_emergency_english_message(client, catalogue):
    courier = await factories.active_courier(client)

    payload = (await submit(client, courier.access_token, language="en", category="medical-emergency")).data[
        "reportSubmit"
    ]

    assert payload["emergencyMessage"] == "This is an emergency: call 120 for an ambulance now!"
    assert "Xindu No. 3 People's Hospital Emergency Team" in payload["replyMessage"]


async def test_gcj02_point_stored_as_wgs84_in_right_community(client, catalogue):
    courier = await factories.active_courier(client)
    # 150 m west of the Sanhe/Dafeng edge; read as WGS-84, its GCJ-02 form would lie in Dafeng.
    point = (30.776, 104.1005)

    report = await submitted(client, courier.access_token, point=point, system=CoordinateSystem.GCJ02)

    location = report["location"]
    assert location["submittedCoordinateSystem"] == "GCJ02"
    assert location["submittedLongitude"] > 104.102
    assert location["latitude"] == pytest.approx(point[0], abs=1e-5)
    assert location["longitude"] == pytest.approx(point[1], abs=1e-5)
    assert report["community"]["code"] == "sanhe"


async def test_bd09_point_converted(client, catalogue):
    courier = await factories.active_courier(client)

    report = await submitted(client, courier.access_token, point=DAFENG, system=CoordinateSystem.BD09)

    assert report["location"]["longitude"] == pytest.approx(DAFENG[1], abs=1e-5)
    assert report["community"]["code"] == "dafeng"


async def test_other_goes_to_triage_with_text(client, catalogue):
    courier = await factories.active_courier(client)

    payload = (await submit(client, courier.access_token, category="other", otherText="路边有大树倒伏")).data[
        "reportSubmit"
    ]

    assert payload["report"]["status"] == "TRIAGE"
    assert payload["report"]["otherText"] == "路边有大树倒伏"
    assert payload["report"]["departments"] == []
    assert payload["replyMessage"] == "丰行侠你好，你反映的问题已收到，街道后台将尽快分派处理。"
    report = await Report.get(id=payload["report"]["id"])
    assert report.triage_reason.value == "OTHER_CATEGORY"


async def test_outside_every_community_flagged_for_triage(client, catalogue):
    courier = await factories.active_courier(client)

    report = await submitted(client, courier.access_token, point=OUTSIDE)

    assert report["status"] == "TRIAGE"
    assert report["outsideCommunities"] is True
    assert report["community"] is None
    row = await Report.get(id=report["id"])
    assert row.triage_reason.value == "OUTSIDE_COMMUNITIES"


async def test_emergency_outside_communities_still_dispatched(client, catalogue):
    courier = await factories.active_courier(client)

    report = await submitted(client, courier.access_token, category="medical-emergency", point=OUTSIDE)

    assert report["status"] == "DISPATCHED"
    assert report["outsideCommunities"] is True
    assert sorted(d["code"] for d in report["departments"]) == ["community-health", "hospital-emergency"]


async def test_category_without_department_goes_to_triage(client, catalogue):
    await Category.create(
        jurisdiction_id=(await Category.get(code="garbage")).jurisdiction_id, code="noise", name_zh="噪音",
        name_en="Noise", group="environment", points=10, response_minutes=60,
    )
    courier = await factories.active_courier(client)

    report = await submitted(client, courier.access_token, category="noise")

    assert report["status"] == "TRIAGE"
    assert (await Report.get(id=report["id"])).triage_reason.value == "NO_DEPARTMENT"


async def test_retry_returns_same_report(client, catalogue):
    courier = await factories.active_courier(client)
    values = submit_input()

    first = (await client.execute(SUBMIT, {"input": values}, token=courier.access_token)).data["reportSubmit"]
    before = await table_counts()
    second = (await client.execute(SUBMIT, {"input": values}, token=courier.access_token)).data["reportSubmit"]

    assert second["errors"] == []
    assert second["replayed"] is True
    assert second["report"]["id"] == first["report"]["id"]
    assert second["replyMessage"] == first["replyMessage"]
    assert await table_counts() == before


async def test_same_key_other_courier_is_separate(client, catalogue):
    first_courier = await factories.active_courier(client)
    second_courier = await factories.active_courier(client)
    values = submit_input()

    first = (await client.execute(SUBMIT, {"input": values}, token=first_courier.access_token)).data["reportSubmit"]
    second = (await client.execute(SUBMIT, {"input": values}, token=second_courier.access_token)).data["reportSubmit"]

    assert second["replayed"] is False
    assert second["report"]["id"] != first["report"]["id"]


async def test_key_reused_with_other_body_rejected(client, catalogue):
    courier = await factories.active_courier(client)
    values = submit_input()
    await client.execute(SUBMIT, {"input": values}, token=courier.access_token)
    before = await table_counts()

    changed = {**values, "description": "另一个问题"}
    payload = (await client.execute(SUBMIT, {"input": changed}, token=courier.access_token)).data["reportSubmit"]

    assert payload["report"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("idempotencyKey", "IDEMPOTENCY_KEY_REUSED")]
    assert await table_counts() == before


def _location(**changes):
    values = submit_input()["location"]
    values.update(changes)
    return values


@pytest.mark.parametrize(
    "overrides, field, code",
    [
        ({"categoryCode": "no-such-category"}, "categoryCode", "CATEGORY_UNKNOWN"),
        ({"categoryCode": "other"}, "otherText", "OTHER_TEXT_REQUIRED"),
        ({"categoryCode": "other", "otherText": "   "}, "otherText", "OTHER_TEXT_REQUIRED"),
        ({"categoryCode": "other", "otherText": "字" * 201}, "otherText", "OTHER_TEXT_TOO_LONG"),
        ({"description": "字" * 2001}, "description", "DESCRIPTION_TOO_LONG"),
        ({"location": _location(address="址" * 301)}, "address", "ADDRESS_TOO_LONG"),
        ({"location": _location(latitude=95.0)}, "location", "COORDINATES_INVALID"),
        ({"location": _location(longitude=-190.0)}, "location", "COORDINATES_INVALID"),
        ({"location": _location(accuracyM=-1.0)}, "location.accuracyM", "ACCURACY_INVALID"),
        ({"location": _location(accuracyM=50_000.0)}, "location.accuracyM", "ACCURACY_INVALID"),
        ({"idempotencyKey": "short"}, "idempotencyKey", "IDEMPOTENCY_KEY_INVALID"),
        ({"idempotencyKey": "has spaces in it"}, "idempotencyKey", "IDEMPOTENCY_KEY_INVALID"),
        ({"mediaIds": ["8d0c1c1e-1111-4a4a-9999-000000000000"]}, "mediaIds", "MEDIA_NOT_FOUND"),
        ({"mediaIds": ["not-a-uuid"]}, "mediaIds", "MEDIA_NOT_FOUND"),
    ],
)
async def test_bad_input_rejected_without_writes(client, catalogue, overrides, field, code):
    courier = await factories.active_courier(client)
    before = await table_counts()

    result = await client.execute(SUBMIT, {"input": submit_input(**overrides)}, token=courier.access_token)

    payload = result.data["reportSubmit"]
    assert payload["report"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]
    assert payload["errors"][0]["message"]
    assert await table_counts() == before


async def test_bad_input_message_in_english(client, catalogue):
    courier = await factories.active_courier(client)

    result = await client.execute(
        SUBMIT, {"input": submit_input(description="x" * 2001)}, token=courier.access_token, language="en"
    )

    assert result.data["reportSubmit"]["errors"][0]["message"] == "The description must be at most 2000 characters."


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
async def test_non_finite_coordinates_rejected(client, catalogue, literal):
    courier = await factories.active_courier(client)
    before = await table_counts()
    body = json.dumps({"query": SUBMIT, "variables": {"input": submit_input()}})
    body = body.replace('"latitude": 30.776', f'"latitude": {literal}')
    assert literal in body

    response = await client.http.post(
        "/graphql", content=body,
        headers={"content-type": "application/json", "authorization": f"Bearer {courier.access_token}"},
    )

    errors = response.json()["errors"]
    assert await table_counts() == before
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_null_island_rejected(client, catalogue):
    courier = await factories.active_courier(client)
    values = submit_input()
    values["location"].update({"latitude": 0.0, "longitude": 0.0})
    before = await table_counts()

    result = await client.execute(SUBMIT, {"input": values}, token=courier.access_token)

    errors = result.data["reportSubmit"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("location", "LOCATION_NO_FIX")]
    assert await table_counts() == before


async def test_unknown_coordinate_system_rejected(client, catalogue):
    courier = await factories.active_courier(client)
    values = submit_input()
    values["location"]["coordinateSystem"] = "CGCS2000"
    before = await table_counts()

    result = await client.execute(SUBMIT, {"input": values}, token=courier.access_token)

    assert await table_counts() == before
    assert result.error_code == "BAD_USER_INPUT"
    assert "CGCS2000" in result.errors[0]["message"]


async def test_media_of_another_courier_rejected(client, catalogue):
    owner = await factories.active_courier(client)
    thief = await factories.active_courier(client)
    media = await _uploaded_media(owner.user_id)
    before = await table_counts()

    result = await client.execute(
        SUBMIT, {"input": submit_input(mediaIds=[str(media.id)])}, token=thief.access_token
    )

    payload = result.data["reportSubmit"]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("mediaIds", "MEDIA_NOT_FOUND")]
    assert await table_counts() == before


async def _uploaded_media(owner_id: str):
    """A media row as the upload slot leaves it; the ownership check rejects it before reading the storage."""
    from api.models.identity import User
    from api.models.media import Media, MediaKind

    owner = await User.get(id=owner_id)
    return await Media.create(
        owner_id=owner_id, jurisdiction_id=owner.jurisdiction_id, kind=MediaKind.PHOTO, content_type="image/jpeg",
        declared_size=1000, object_key=f"test/{owner_id}.jpg",
    )


async def test_pending_courier_cannot_submit(client, catalogue):
    courier = await factories.active_courier(client)
    from api.models.identity import User, UserStatus

    await User.filter(id=courier.user_id).update(status=UserStatus.PENDING)

    result = await submit(client, courier.access_token)

    assert result.error_code == "FORBIDDEN"
    assert result.error_reason == "COURIER_NOT_ACTIVE"
    assert await Report.all().count() == 0


async def test_staff_cannot_submit(client, catalogue):
    staff = await factories.staff(client, "traffic-police")

    result = await submit(client, staff.access_token)

    assert result.error_code == "FORBIDDEN"
    assert await Report.all().count() == 0


async def test_anonymous_cannot_submit(client, catalogue):
    result = await client.execute(SUBMIT, {"input": submit_input()})

    assert result.error_code == "UNAUTHENTICATED"

