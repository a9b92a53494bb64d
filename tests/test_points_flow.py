"""End to end through the API: submit, accept, resolve, verify, then balance, board, message and payout."""

from __future__ import annotations

from api.models.points import LedgerEntry
from tests import factories
from tests.report_factories import ACCEPT, RESOLVE, act, submitted

VERIFY = """
mutation Verify($reportId: ID!) { reportVerify(reportId: $reportId) { award { amount } errors { code } } }
"""
REPORT_STATUS = "query Report($id: ID!) { report(id: $id) { status timeline { kind } } }"
ACCOUNT = "{ pointsAccount { balance awarded paidOut } }"
BOARD = "{ leaderboard(board: HALF_YEAR) { entries { rank maskedName points } me { rank points } } }"
NOTIFICATIONS = "{ notifications { kind message } }"
PAYOUT = """
mutation Pay($courierId: ID!) {
  payoutCreate(input: {courierId: $courierId, amount: 10, reference: "BANK-E2E"}) { account { balance } errors { code } }
}
"""


async def test_report_to_points_to_payout(client, catalogue):
    courier = await factories.active_courier(client, realName="刘一手")
    staff = await factories.staff(client, "traffic-police")
    admin = await factories.admin(client)
    report = await submitted(client, courier.access_token)
    accepted = await act(client, ACCEPT, staff.access_token, id=report["id"])
    resolved = await act(client, RESOLVE, staff.access_token, id=report["id"], comment="已修复信号灯")
    assert accepted.data["reportAccept"]["errors"] == []
    assert resolved.data["reportResolve"]["errors"] == []

    verified = await client.execute(VERIFY, {"reportId": report["id"]}, token=admin.access_token)
    again = await client.execute(VERIFY, {"reportId": report["id"]}, token=admin.access_token)

    assert verified.data["reportVerify"] == {"award": {"amount": 10}, "errors": []}
    assert again.data["reportVerify"]["errors"] == [{"code": "REPORT_ALREADY_VERIFIED"}]
    seen = await client.execute(REPORT_STATUS, {"id": report["id"]}, token=courier.access_token)
    assert seen.data["report"]["status"] == "CLOSED"
    assert [e["kind"] for e in seen.data["report"]["timeline"]][-2:] == ["VERIFIED", "POINTS_AWARDED"]
    account = await client.execute(ACCOUNT, token=courier.access_token)
    assert account.data["pointsAccount"] == {"balance": 10, "awarded": 10, "paidOut": 0}
    board = await client.execute(BOARD, token=courier.access_token)
    assert board.data["leaderboard"]["entries"] == [{"rank": 1, "maskedName": "刘**", "points": 10}]
    assert board.data["leaderboard"]["me"] == {"rank": 1, "points": 10}
    notices = await client.execute(NOTIFICATIONS, token=courier.access_token)
    assert {"kind": "POINTS_AWARDED", "message": "丰行侠你好，你反映的问题已交由交警中队处理，此次积分10分"} in (
        notices.data["notifications"]
    )

    paid = await client.execute(PAYOUT, {"courierId": courier.user_id}, token=admin.access_token)

    assert paid.data["payoutCreate"] == {"account": {"balance": 0}, "errors": []}
    assert await LedgerEntry.all().count() == 2
