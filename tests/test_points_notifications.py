"""The courier's message on an award, in Chinese and English, kept in their notifications list."""

from __future__ import annotations

from api.models.notifications import Notification
from tests import factories
from tests import points_factories as pf

VERIFY = """
mutation Verify($reportId: ID!) { reportVerify(reportId: $reportId) { award { amount } errors { code } } }
"""

NOTIFICATIONS = """
query List($unreadOnly: Boolean, $first: Int, $before: ID) {
  notifications(unreadOnly: $unreadOnly, first: $first, before: $before) { id kind message reportId readAt }
}
"""

# NOTE: asked on its own because Context.principal() is not safe for two root fields resolving at once.
UNREAD_COUNT = "{ notificationsUnreadCount }"

MARK_READ = """
mutation Read($ids: [ID!]) { notificationsMarkRead(ids: $ids) { count errors { code } } }
"""

AWARDED_ZH = "丰行侠你好，你反映的问题已交由交警中队处理，此次积分10分"
AWARDED_EN = (
    "Hello Fengxingxia hero, the problem you reported was handed to Traffic Police Squadron. "
    "You earned 10 points this time."
)


async def _verified(client, courier, **report_options):
    admin = await factories.admin(client)
    report = await pf.report(courier.user_id, **report_options)
    result = await client.execute(VERIFY, {"reportId": str(report.id)}, token=admin.access_token)
    assert result.data["reportVerify"]["errors"] == []
    return report, admin


async def test_award_message_in_chinese(client, catalogue):
    courier = await factories.active_courier(client)
    report, _ = await _verified(client, courier)

    result = await client.execute(NOTIFICATIONS, token=courier.access_token)

    [notice] = result.data["notifications"]
    assert notice["kind"] == "POINTS_AWARDED"
    assert notice["message"] == AWARDED_ZH
    assert notice["reportId"] == str(report.id)
    assert notice["readAt"] is None
    unread = await client.execute(UNREAD_COUNT, token=courier.access_token)
    assert unread.data["notificationsUnreadCount"] == 1


async def test_award_message_in_english(client, catalogue):
    courier = await factories.active_courier(client)
    await _verified(client, courier)

    result = await client.execute(NOTIFICATIONS, token=courier.access_token, language="en-US,en;q=0.9")

    assert [n["message"] for n in result.data["notifications"]] == [AWARDED_EN]


async def test_message_names_every_owner(client, catalogue):
    courier = await factories.active_courier(client)
    report = await pf.report(
        courier.user_id, category_code="medical-emergency", department_code="hospital-emergency"
    )
    from api.models.catalogue import Department
    from api.models.reports import DispatchRole, ReportDispatch

    health = await Department.get(code="community-health")
    await ReportDispatch.create(report=report, department=health, role=DispatchRole.OWNER)
    admin = await factories.admin(client)
    await client.execute(VERIFY, {"reportId": str(report.id)}, token=admin.access_token)

    result = await client.execute(NOTIFICATIONS, token=courier.access_token)

    assert result.data["notifications"][0]["message"] == (
        "丰行侠你好，你反映的问题已交由新都区第三人民医院急救小分队、社区卫生服务中心处理，此次积分50分"
    )


async def test_notifications_are_private(client, catalogue):
    courier = await factories.active_courier(client)
    other = await factories.active_courier(client)
    await _verified(client, courier)
    [notice] = (await client.execute(NOTIFICATIONS, token=courier.access_token)).data["notifications"]

    listed = await client.execute(NOTIFICATIONS, token=other.access_token)
    marked = await client.execute(MARK_READ, {"ids": [notice["id"]]}, token=other.access_token)
    anonymous = await client.execute(NOTIFICATIONS)

    assert listed.data["notifications"] == []
    assert marked.data["notificationsMarkRead"]["count"] == 0
    assert anonymous.error_code == "UNAUTHENTICATED"
    assert (await Notification.get(id=int(notice["id"]))).read_at is None


async def test_mark_read(client, catalogue):
    courier = await factories.active_courier(client)
    await _verified(client, courier)
    await _verified(client, courier)
    listed = (await client.execute(NOTIFICATIONS, token=courier.access_token)).data["notifications"]

    one = await client.execute(MARK_READ, {"ids": [listed[0]["id"]]}, token=courier.access_token)
    unread = await client.execute(NOTIFICATIONS, {"unreadOnly": True}, token=courier.access_token)
    rest = await client.execute(MARK_READ, {}, token=courier.access_token)
    bad = await client.execute(MARK_READ, {"ids": ["abc"]}, token=courier.access_token)

    assert one.data["notificationsMarkRead"]["count"] == 1
    assert [n["id"] for n in unread.data["notifications"]] == [listed[1]["id"]]
    assert (await client.execute(UNREAD_COUNT, token=courier.access_token)).data["notificationsUnreadCount"] == 0
    assert rest.data["notificationsMarkRead"]["count"] == 1
    assert [e["code"] for e in bad.data["notificationsMarkRead"]["errors"]] == ["BAD_USER_INPUT"]
    assert await Notification.filter(read_at=None).count() == 0


async def test_notifications_page_newest_first(client, catalogue):
    courier = await factories.active_courier(client)
    for _ in range(3):
        await _verified(client, courier)

    first_page = await client.execute(NOTIFICATIONS, {"first": 2}, token=courier.access_token)
    ids = [n["id"] for n in first_page.data["notifications"]]
    second_page = await client.execute(NOTIFICATIONS, {"first": 2, "before": ids[-1]}, token=courier.access_token)

    assert len(ids) == 2
    assert int(ids[0]) > int(ids[1])
    assert len(second_page.data["notifications"]) == 1
    assert int(second_page.data["notifications"][0]["id"]) < int(ids[1])
