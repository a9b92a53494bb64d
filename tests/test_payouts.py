"""Payouts and adjustments: never below zero, unique references, history for the courier."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest

from api.config import get_settings
from api.models.audit import AuditEntry
from api.models.identity import User
from api.models.notifications import Notification
from api.models.points import LedgerEntry, LedgerKind
from tests import factories
from tests import points_factories as pf

PAYOUT = """
mutation Pay($input: PayoutCreateInput!) {
  payoutCreate(input: $input) {
    entry { kind amount reference reason }
    account { balance paidOut }
    errors { field code message }
  }
}
"""

ADJUST = """
mutation Adjust($input: PointsAdjustmentCreateInput!) {
  pointsAdjustmentCreate(input: $input) {
    entry { kind amount reason reportId }
    account { balance adjusted }
    errors { field code message }
  }
}
"""

LEDGER = """
query Ledger($courierId: ID, $kind: LedgerKind, $first: Int, $before: ID) {
  pointsLedger(courierId: $courierId, kind: $kind, first: $first, before: $before) { id kind amount reference }
}
"""

ACCOUNT = "query Account($courierId: ID) { pointsAccount(courierId: $courierId) { balance awarded paidOut } }"


async def _courier_with_points(client, points: int):
    courier = await factories.active_courier(client)
    await pf.award(await User.get(id=courier.user_id), points, datetime.now(timezone.utc))
    return courier


def _payout(courier, amount, reference="BANK-0001", note=""):
    return {"input": {"courierId": courier.user_id, "amount": amount, "reference": reference, "note": note}}


async def test_payout_within_balance(client, catalogue):
    courier = await _courier_with_points(client, 100)
    admin = await factories.admin(client)

    result = await client.execute(PAYOUT, _payout(courier, 60, "BANK-7", "二季度奖励"), token=admin.access_token)

    payload = result.data["payoutCreate"]
    assert payload["errors"] == []
    assert payload["entry"] == {"kind": "PAYOUT", "amount": -60, "reference": "BANK-7", "reason": "二季度奖励"}
    assert payload["account"] == {"balance": 40, "paidOut": 60}
    history = await client.execute(LEDGER, {"kind": "PAYOUT"}, token=courier.access_token)
    assert [(e["kind"], e["amount"], e["reference"]) for e in history.data["pointsLedger"]] == [
        ("PAYOUT", -60, "BANK-7")
    ]
    notice = await client.execute("{ notifications { kind message } }", token=courier.access_token)
    assert notice.data["notifications"][0] == {
        "kind": "PAYOUT_RECORDED", "message": "丰行侠你好，已向你发放60元（60积分），付款凭证号BANK-7"
    }
    assert await AuditEntry.filter(action="points.payout").count() == 1


async def test_payout_of_whole_balance(client, catalogue):
    courier = await _courier_with_points(client, 20)
    admin = await factories.admin(client)

    result = await client.execute(PAYOUT, _payout(courier, 20), token=admin.access_token)

    assert result.data["payoutCreate"]["account"]["balance"] == 0


async def test_payout_beyond_balance_rejected(client, catalogue):
    courier = await _courier_with_points(client, 50)
    admin = await factories.admin(client)

    result = await client.execute(PAYOUT, _payout(courier, 51), token=admin.access_token, language="en")

    errors = result.data["payoutCreate"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("amount", "BALANCE_INSUFFICIENT")]
    assert errors[0]["message"] == "The balance is too low: it is 50 points."
    assert result.data["payoutCreate"]["entry"] is None
    assert await LedgerEntry.filter(kind=LedgerKind.PAYOUT).count() == 0
    assert await Notification.all().count() == 0


async def test_payout_without_points_rejected(client, catalogue):
    courier = await factories.active_courier(client)
    admin = await factories.admin(client)

    result = await client.execute(PAYOUT, _payout(courier, 1), token=admin.access_token)

    assert [e["code"] for e in result.data["payoutCreate"]["errors"]] == ["BALANCE_INSUFFICIENT"]


async def test_concurrent_payouts_cannot_overdraw(client, catalogue):
    courier = await _courier_with_points(client, 100)
    admin = await factories.admin(client)

    results = await asyncio.gather(*[
        client.execute(PAYOUT, _payout(courier, 30, f"BANK-{index}"), token=admin.access_token)
        for index in range(10)
    ])

    succeeded = [r for r in results if r.data["payoutCreate"]["entry"] is not None]
    codes = {e["code"] for r in results for e in r.data["payoutCreate"]["errors"]}
    assert len(succeeded) == 3
    assert codes == {"BALANCE_INSUFFICIENT"}
    account = await client.execute(ACCOUNT, token=courier.access_token)
    assert account.data["pointsAccount"] == {"balance": 10, "awarded": 100, "paidOut": 90}


async def test_payout_reference_used_once(client, catalogue):
    courier = await _courier_with_points(client, 100)
    admin = await factories.admin(client)
    await client.execute(PAYOUT, _payout(courier, 10, "BANK-1"), token=admin.access_token)

    again = await client.execute(PAYOUT, _payout(courier, 10, " BANK-1 "), token=admin.access_token)
    racing = await asyncio.gather(*[
        client.execute(PAYOUT, _payout(courier, 10, "BANK-2"), token=admin.access_token) for _ in range(5)
    ])

    assert [e["code"] for e in again.data["payoutCreate"]["errors"]] == ["REFERENCE_TAKEN"]
    assert sum(1 for r in racing if r.data["payoutCreate"]["entry"] is not None) == 1
    assert await LedgerEntry.filter(kind=LedgerKind.PAYOUT).count() == 2


@pytest.mark.parametrize(
    ("amount", "reference", "fields"),
    [
        (0, "BANK-1", ["amount"]),
        (-5, "BANK-1", ["amount"]),
        (100_001, "BANK-1", ["amount"]),
        (10, "   ", ["reference"]),
        (10, "x" * 129, ["reference"]),
        (0, "", ["amount", "reference"]),
    ],
)
async def test_payout_input_checked(client, catalogue, amount, reference, fields):
    courier = await _courier_with_points(client, 100)
    admin = await factories.admin(client)

    result = await client.execute(PAYOUT, _payout(courier, amount, reference), token=admin.access_token)

    assert [e["field"] for e in result.data["payoutCreate"]["errors"]] == fields
    assert await LedgerEntry.filter(kind=LedgerKind.PAYOUT).count() == 0


async def test_fractional_amount_rejected(client, catalogue):
    courier = await _courier_with_points(client, 100)
    admin = await factories.admin(client)

    inline = await client.execute(
        f'mutation {{ payoutCreate(input: {{courierId: "{courier.user_id}", amount: 10.5, reference: "B-1"}}) '
        "{ errors { code } } }",
        token=admin.access_token,
    )
    variable = await client.execute(PAYOUT, _payout(courier, 10.5), token=admin.access_token)

    assert inline.error_code == "BAD_USER_INPUT"
    assert variable.errors
    assert await LedgerEntry.filter(kind=LedgerKind.PAYOUT).count() == 0


async def test_payout_roles_and_reach(client, catalogue):
    courier = await _courier_with_points(client, 100)
    other = await factories.active_courier(client)
    staff = await factories.staff(client, "traffic-police")
    admin = await factories.admin(client)
    outsider = await factories.admin(client, jurisdiction=(await pf.other_jurisdiction()).code)

    by_courier = await client.execute(PAYOUT, _payout(courier, 10), token=courier.access_token)
    by_staff = await client.execute(PAYOUT, _payout(courier, 10), token=staff.access_token)
    by_outsider = await client.execute(PAYOUT, _payout(courier, 10), token=outsider.access_token)
    to_staff = await client.execute(PAYOUT, _payout(staff, 10), token=admin.access_token)
    peek = await client.execute(ACCOUNT, {"courierId": courier.user_id}, token=other.access_token)
    peek_ledger = await client.execute(LEDGER, {"courierId": courier.user_id}, token=other.access_token)
    by_admin = await client.execute(ACCOUNT, {"courierId": courier.user_id}, token=admin.access_token)

    assert by_courier.error_code == "FORBIDDEN"
    assert by_staff.error_code == "FORBIDDEN"
    assert by_outsider.error_code == "NOT_FOUND"
    assert to_staff.error_code == "NOT_FOUND"
    assert peek.error_code == "NOT_FOUND"
    assert peek_ledger.error_code == "NOT_FOUND"
    assert by_admin.data["pointsAccount"]["balance"] == 100
    assert await LedgerEntry.filter(kind=LedgerKind.PAYOUT).count() == 0


async def test_revoke_after_payout_leaves_debt(client, catalogue):
    courier = await factories.active_courier(client)
    admin = await factories.admin(client)
    report = await pf.report(courier.user_id)
    await client.execute(
        "mutation($id: ID!) { reportVerify(reportId: $id) { errors { code } } }",
        {"id": str(report.id)}, token=admin.access_token,
    )
    await client.execute(PAYOUT, _payout(courier, 10), token=admin.access_token)

    await client.execute(
        "mutation($id: ID!) { pointsAwardRevoke(reportId: $id, reason: \"伪造\") { errors { code } } }",
        {"id": str(report.id)}, token=admin.access_token,
    )
    payout = await client.execute(PAYOUT, _payout(courier, 1, "BANK-2"), token=admin.access_token)

    credit = await client.execute(
        ADJUST, {"input": {"courierId": courier.user_id, "amount": 5, "reason": "补发"}}, token=admin.access_token
    )

    account = await client.execute(ACCOUNT, token=courier.access_token)
    assert account.data["pointsAccount"]["balance"] == -5
    assert [e["code"] for e in payout.data["payoutCreate"]["errors"]] == ["BALANCE_INSUFFICIENT"]
    assert credit.data["pointsAdjustmentCreate"]["errors"] == []


async def test_adjustment_up_and_down(client, catalogue):
    courier = await _courier_with_points(client, 30)
    admin = await factories.admin(client)

    up = await client.execute(
        ADJUST, {"input": {"courierId": courier.user_id, "amount": 15, "reason": "补录漏发积分"}},
        token=admin.access_token,
    )
    down = await client.execute(
        ADJUST, {"input": {"courierId": courier.user_id, "amount": -45, "reason": "冲正"}}, token=admin.access_token
    )
    below = await client.execute(
        ADJUST, {"input": {"courierId": courier.user_id, "amount": -1, "reason": "冲正"}}, token=admin.access_token
    )

    assert up.data["pointsAdjustmentCreate"]["entry"] == {
        "kind": "ADJUSTMENT", "amount": 15, "reason": "补录漏发积分", "reportId": None
    }
    assert down.data["pointsAdjustmentCreate"]["account"] == {"balance": 0, "adjusted": -30}
    assert [e["code"] for e in below.data["pointsAdjustmentCreate"]["errors"]] == ["BALANCE_INSUFFICIENT"]
    assert await LedgerEntry.filter(kind=LedgerKind.ADJUSTMENT).count() == 2


@pytest.mark.parametrize(("amount", "reason", "fields"), [(0, "x", ["amount"]), (5, " ", ["reason"]), (0, "", ["amount", "reason"])])
async def test_adjustment_input_checked(client, catalogue, amount, reason, fields):
    courier = await _courier_with_points(client, 30)
    admin = await factories.admin(client)

    result = await client.execute(
        ADJUST, {"input": {"courierId": courier.user_id, "amount": amount, "reason": reason}}, token=admin.access_token
    )

    assert [e["field"] for e in result.data["pointsAdjustmentCreate"]["errors"]] == fields
    assert await LedgerEntry.filter(kind=LedgerKind.ADJUSTMENT).count() == 0


async def test_ledger_pages_newest_first(client, catalogue):
    courier = await _courier_with_points(client, 100)
    admin = await factories.admin(client)
    for index in range(3):
        await client.execute(PAYOUT, _payout(courier, 1, f"BANK-{index}"), token=admin.access_token)

    page = await client.execute(LEDGER, {"first": 2}, token=courier.access_token)
    ids = [int(e["id"]) for e in page.data["pointsLedger"]]
    rest = await client.execute(LEDGER, {"first": 10, "before": str(ids[-1])}, token=courier.access_token)

    assert ids == sorted(ids, reverse=True)
    assert [e["kind"] for e in rest.data["pointsLedger"]] == ["PAYOUT", "AWARD"]


async def test_largest_amount_follows_setting(client, catalogue, monkeypatch):
    monkeypatch.setattr(get_settings(), "points_max_single_amount", 40)
    courier = await _courier_with_points(client, 100)
    admin = await factories.admin(client)

    result = await client.execute(PAYOUT, _payout(courier, 41), token=admin.access_token)

    assert [e["code"] for e in result.data["payoutCreate"]["errors"]] == ["AMOUNT_INVALID"]
    assert result.data["payoutCreate"]["errors"][0]["message"] == "金额须为1至40之间的整数。"
