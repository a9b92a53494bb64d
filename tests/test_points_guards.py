"""Abuse guards: the per-courier daily submission cap, counted by Beijing calendar day."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from api.config import get_settings
from api.errors import AppError, ErrorCode
from api.i18n import Language, translate
from api.points.guards import check_daily_cap
from tests import points_factories as pf

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BEIJING)


@pytest.fixture
def cap_of_three(monkeypatch):
    monkeypatch.setattr(get_settings(), "points_daily_report_cap", 3)


async def test_cap_reached(db, catalogue, cap_of_three):
    courier = await pf.courier_user()
    for hour in (8, 12, 23):
        await pf.report(courier.id, created_at=beijing(2026, 3, 1, hour, 0))

    with pytest.raises(AppError) as caught:
        await check_daily_cap(courier.id, now=beijing(2026, 3, 1, 23, 30))

    error = caught.value
    assert error.code == ErrorCode.RATE_LIMITED
    assert error.message_key == "DAILY_REPORT_CAP_REACHED"
    assert error.params == {"retry_after": 1800, "limit": 3}
    assert translate(error.message_key, Language.ZH, **error.params) == "今天的上报次数已达上限（3次），请明天再报。"


async def test_under_cap_passes(db, catalogue, cap_of_three):
    courier = await pf.courier_user()
    other = await pf.courier_user()
    for hour in (8, 9):
        await pf.report(courier.id, created_at=beijing(2026, 3, 1, hour, 0))
    for hour in (8, 9, 10):
        await pf.report(other.id, created_at=beijing(2026, 3, 1, hour, 0))

    assert await check_daily_cap(courier.id, now=beijing(2026, 3, 1, 10, 0)) is None


async def test_cap_resets_at_beijing_midnight(db, catalogue, cap_of_three):
    courier = await pf.courier_user()
    # 23:59 Beijing time on 1 March is 15:59 UTC, the same UTC date as the next morning's reports.
    for minute in (57, 58, 59):
        await pf.report(courier.id, created_at=beijing(2026, 3, 1, 23, minute))

    with pytest.raises(AppError):
        await check_daily_cap(courier.id, now=beijing(2026, 3, 1, 23, 59, 30))
    assert await check_daily_cap(courier.id, now=beijing(2026, 3, 2, 0, 1)) is None


async def test_submission_over_cap_is_rate_limited(client, catalogue, monkeypatch):
    from api.models.reports import Report
    from tests import factories
    from tests import report_factories as rf

    monkeypatch.setattr(get_settings(), "points_daily_report_cap", 2)
    courier = await factories.active_courier(client)
    first_input = rf.submit_input()
    first = await client.execute(rf.SUBMIT, {"input": first_input}, token=courier.access_token)
    await rf.submitted(client, courier.access_token)

    third = await rf.submit(client, courier.access_token, language="en")
    retried = await client.execute(rf.SUBMIT, {"input": first_input}, token=courier.access_token)

    assert third.error_code == "RATE_LIMITED"
    assert third.errors[0]["extensions"]["retryAfter"] > 0
    assert await Report.filter(reporter_id=courier.user_id).count() == 2
    assert retried.data["reportSubmit"]["report"]["id"] == first.data["reportSubmit"]["report"]["id"]


async def test_reused_photo_flagged_for_admins_only(client, catalogue):
    from api.models.media import Media, MediaKind, MediaStatus
    from tests import factories

    admin = await factories.admin(client)
    courier = await factories.active_courier(client)
    first = await pf.report(courier.user_id)
    second = await pf.report(courier.user_id)
    unrelated = await pf.report(courier.user_id)
    for report, content_hash in ((first, "a" * 64), (second, "a" * 64), (unrelated, "b" * 64)):
        await Media.create(
            owner_id=courier.user_id, jurisdiction_id=report.jurisdiction_id, kind=MediaKind.PHOTO,
            content_type="image/jpeg", declared_size=1000, object_key=f"uploads/test/{report.id}",
            status=MediaStatus.READY, report=report, content_hash=content_hash,
        )
    query = "query($id: ID!) { report(id: $id) { photoReusedIn } }"

    as_admin = await client.execute(query, {"id": str(first.id)}, token=admin.access_token)
    unrelated_as_admin = await client.execute(query, {"id": str(unrelated.id)}, token=admin.access_token)
    as_courier = await client.execute(query, {"id": str(first.id)}, token=courier.access_token)

    assert as_admin.data["report"]["photoReusedIn"] == [str(second.id)]
    assert unrelated_as_admin.data["report"]["photoReusedIn"] == []
    assert as_courier.data["report"]["photoReusedIn"] == []
