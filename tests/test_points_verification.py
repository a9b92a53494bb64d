"""Verification awards a report's points exactly once; revocation takes them back once."""

from __future__ import annotations

import asyncio

import pytest
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api.models.audit import AuditEntry
from api.models.catalogue import Category
from api.models.notifications import Notification
from api.models.points import LedgerEntry, LedgerKind
from api.models.reports import Report, ReportStatus, TimelineEntry, TimelineKind
from tests import factories
from tests import points_factories as pf

VERIFY = """
mutation Verify($reportId: ID!) {
  reportVerify(reportId: $reportId) {
    reportId closedAt
    award { id kind amount reportId }
    errors { field code message }
  }
}
"""

REVOKE = """
mutation Revoke($reportId: ID!, $reason: String!) {
  pointsAwardRevoke(reportId: $reportId, reason: $reason) {
    entry { kind amount reportId reason }
    account { balance awarded revoked }
    errors { field code message }
  }
}
"""

ACCOUNT = "{ pointsAccount { balance awarded revoked adjusted paidOut } }"


async def test_verify_awards_category_points(client, catalogue):
    courier = await factories.active_courier(client)
    admin = await factories.admin(client)
    report = await pf.report(courier.user_id)

    result = await client.execute(VERIFY, {"reportId": str(report.id)}, token=admin.access_token)

    payload = result.data["reportVerify"]
    assert payload["errors"] == []
    assert payload["award"]["kind"] == "AWARD"
    assert payload["award"]["amount"] == 10
    assert payload["award"]["reportId"] == str(report.id)
    stored = await Report.get(id=report.id)
    assert stored.status is ReportStatus.CLOSED
    assert stored.closed_at is not None
    kinds = [e.kind for e in await TimelineEntry.filter(report_id=report.id).order_by("id")]
    assert kinds == [TimelineKind.VERIFIED, TimelineKind.POINTS_AWARDED]
    account = await client.execute(ACCOUNT, token=courier.access_token)
    assert account.data["pointsAccount"] == {"balance": 10, "awarded": 10, "revoked": 0, "adjusted": 0, "paidOut": 0}
    assert await AuditEntry.filter(action="report.verify", target_id=str(report.id)).count() == 1


async def test_verify_twice_awards_once(client, catalogue):
    courier = await factories.active_courier(client)
    admin = await factories.admin(client)
    report = await pf.report(courier.user_id)

    await client.execute(VERIFY, {"reportId": str(report.id)}, token=admin.access_token)
    second = await client.execute(VERIFY, {"reportId": str(report.id)}, token=admin.access_token)

    assert [e["code"] for e in second.data["reportVerify"]["errors"]] == ["REPORT_ALREADY_VERIFIED"]
    assert second.data["reportVerify"]["award"] is None
    assert await LedgerEntry.filter(report_id=report.id).count() == 1


async def test_concurrent_verification_awards_once(client, catalogue):
    courier = await factories.active_courier(client)
    admin = await factories.admin(client)
    report = await pf.report(courier.user_id, category_code="illegal-construction", department_code="urban-management")

    results = await asyncio.gather(
        *[client.execute(VERIFY, {"reportId": str(report.id)}, token=admin.access_token) for _ in range(16)]
    )

    payloads = [r.data["reportVerify"] for r in results]
    awarded = [p for p in payloads if p["award"] is not None]
    rejected_codes = {e["code"] for p in payloads for e in p["errors"]}
    assert len(awarded) == 1
    assert awarded[0]["award"]["amount"] == 50
    assert rejected_codes == {"REPORT_ALREADY_VERIFIED"}
    assert await LedgerEntry.filter(report_id=report.id, kind=LedgerKind.AWARD).count() == 1
    assert await TimelineEntry.filter(report_id=report.id, kind=TimelineKind.POINTS_AWARDED).count() == 1
    assert await TimelineEntry.filter(report_id=report.id, kind=TimelineKind.VERIFIED).count() == 1
    assert await Notification.filter(report_id=report.id).count() == 1
    account = await client.execute(ACCOUNT, token=courier.access_token)
    assert account.data["pointsAccount"]["balance"] == 50


async def test_database_rejects_second_award(db, catalogue):
    courier = await pf.courier_user()
    report = await pf.report(courier.id, status=ReportStatus.CLOSED)
    first = await LedgerEntry.create(
        jurisdiction_id=courier.jurisdiction_id, courier=courier, kind=LedgerKind.AWARD, amount=10, report=report
    )

    with pytest.raises(IntegrityError):
        async with in_transaction():
            await LedgerEntry.create(
                jurisdiction_id=courier.jurisdiction_id, courier=courier, kind=LedgerKind.AWARD, amount=10, report=report
            )

    assert [e.id for e in await LedgerEntry.filter(report_id=report.id)] == [first.id]


async def test_award_uses_points_at_verification(client, catalogue):
    courier = await factories.active_courier(client)
    admin = await factories.admin(client)
    report = await pf.report(courier.user_id)
    await Category.filter(code="traffic-light").update(points=30)

    result = await client.execute(VERIFY, {"reportId": str(report.id)}, token=admin.access_token)
    await Category.filter(code="traffic-light").update(points=5)

    assert result.data["reportVerify"]["award"]["amount"] == 30
    entry = await LedgerEntry.get(report_id=report.id)
    assert entry.amount == 30


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (ReportStatus.REJECTED, "REPORT_NOT_VERIFIABLE"),
        (ReportStatus.DUPLICATE, "REPORT_IS_DUPLICATE"),
        (ReportStatus.DISPATCHED, "REPORT_NOT_VERIFIABLE"),
        (ReportStatus.ACCEPTED, "REPORT_NOT_VERIFIABLE"),
        (ReportStatus.CLOSED, "REPORT_ALREADY_VERIFIED"),
    ],
)
async def test_unverifiable_report_earns_nothing(client, catalogue, status, code):
    courier = await factories.active_courier(client)
    admin = await factories.admin(client)
    report = await pf.report(courier.user_id, status=status)

    result = await client.execute(VERIFY, {"reportId": str(report.id)}, token=admin.access_token)

    assert [e["code"] for e in result.data["reportVerify"]["errors"]] == [code]
    assert (await Report.get(id=report.id)).status is status
    assert await LedgerEntry.all().count() == 0
    assert await TimelineEntry.filter(report_id=report.id).count() == 0
    assert await Notification.all().count() == 0


async def test_confirmed_duplicate_earns_nothing(client, catalogue):
    courier = await factories.active_courier(client)
    admin = await factories.admin(client)
    original = await pf.report(courier.user_id)
    copy = await pf.report(courier.user_id)
    await Report.filter(id=copy.id).update(duplicate_of_id=original.id)

    result = await client.execute(VERIFY, {"reportId": str(copy.id)}, token=admin.access_token)

    assert [e["code"] for e in result.data["reportVerify"]["errors"]] == ["REPORT_IS_DUPLICATE"]
    assert await LedgerEntry.filter(report_id=copy.id).count() == 0


async def test_only_admins_verify(client, catalogue):
    courier = await factories.active_courier(client)
    staff = await factories.staff(client, "traffic-police")
    report = await pf.report(courier.user_id)

    by_courier = await client.execute(VERIFY, {"reportId": str(report.id)}, token=courier.access_token)
    by_staff = await client.execute(VERIFY, {"reportId": str(report.id)}, token=staff.access_token)
    anonymous = await client.execute(VERIFY, {"reportId": str(report.id)})

    assert by_courier.error_code == "FORBIDDEN"
    assert by_staff.error_code == "FORBIDDEN"
    assert anonymous.error_code == "UNAUTHENTICATED"
    assert await LedgerEntry.all().count() == 0


async def test_other_jurisdiction_report_not_found(client, catalogue):
    courier = await factories.active_courier(client)
    report = await pf.report(courier.user_id)
    other = await pf.other_jurisdiction()
    outsider = await factories.admin(client, jurisdiction=other.code)

    result = await client.execute(VERIFY, {"reportId": str(report.id)}, token=outsider.access_token)
    malformed = await client.execute(VERIFY, {"reportId": "not-a-uuid"}, token=outsider.access_token)

    assert result.error_code == "NOT_FOUND"
    assert malformed.error_code == "NOT_FOUND"
    assert await LedgerEntry.all().count() == 0


async def test_staff_cannot_verify_own_report(client, catalogue):
    admin = await factories.admin(client)
    report = await pf.report(admin.user_id)

    result = await client.execute(VERIFY, {"reportId": str(report.id)}, token=admin.access_token)

    assert result.error_code == "FORBIDDEN"
    assert result.error_reason == "OWN_REPORT"
    assert (await Report.get(id=report.id)).status is ReportStatus.RESOLVED
    assert await LedgerEntry.all().count() == 0


async def test_revoke_award_with_reason(client, catalogue):
    courier = await factories.active_courier(client)
    admin = await factories.admin(client)
    report = await pf.report(courier.user_id)
    await client.execute(VERIFY, {"reportId": str(report.id)}, token=admin.access_token)

    result = await client.execute(
        REVOKE, {"reportId": str(report.id), "reason": "照片系伪造"}, token=admin.access_token
    )

    payload = result.data["pointsAwardRevoke"]
    assert payload["errors"] == []
    assert payload["entry"] == {"kind": "ADJUSTMENT", "amount": -10, "reportId": str(report.id), "reason": "照片系伪造"}
    assert payload["account"] == {"balance": 0, "awarded": 10, "revoked": 10}
    revoked = await TimelineEntry.get(report_id=report.id, kind=TimelineKind.POINTS_REVOKED)
    assert revoked.comment == "照片系伪造"
    assert await AuditEntry.filter(action="points.revoke").count() == 1
    account = await client.execute(ACCOUNT, token=courier.access_token)
    assert account.data["pointsAccount"] == {"balance": 0, "awarded": 10, "revoked": 10, "adjusted": 0, "paidOut": 0}


async def test_revoke_twice_rejected(client, catalogue):
    courier = await factories.active_courier(client)
    admin = await factories.admin(client)
    report = await pf.report(courier.user_id)
    await client.execute(VERIFY, {"reportId": str(report.id)}, token=admin.access_token)
    await client.execute(REVOKE, {"reportId": str(report.id), "reason": "伪造"}, token=admin.access_token)

    again = await client.execute(REVOKE, {"reportId": str(report.id), "reason": "伪造"}, token=admin.access_token)

    assert [e["code"] for e in again.data["pointsAwardRevoke"]["errors"]] == ["AWARD_ALREADY_REVOKED"]
    assert await LedgerEntry.filter(report_id=report.id, kind=LedgerKind.ADJUSTMENT).count() == 1


async def test_concurrent_revocations_revoke_once(client, catalogue):
    courier = await factories.active_courier(client)
    admin = await factories.admin(client)
    report = await pf.report(courier.user_id)
    await client.execute(VERIFY, {"reportId": str(report.id)}, token=admin.access_token)

    results = await asyncio.gather(*[
        client.execute(REVOKE, {"reportId": str(report.id), "reason": "伪造"}, token=admin.access_token)
        for _ in range(8)
    ])

    succeeded = [r for r in results if r.data["pointsAwardRevoke"]["entry"] is not None]
    assert len(succeeded) == 1
    assert await LedgerEntry.filter(report_id=report.id, kind=LedgerKind.ADJUSTMENT).count() == 1
    account = await client.execute(ACCOUNT, token=courier.access_token)
    assert account.data["pointsAccount"]["balance"] == 0


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
async def test_revoke_needs_reason(client, catalogue, reason):
    courier = await factories.active_courier(client)
    admin = await factories.admin(client)
    report = await pf.report(courier.user_id)
    await client.execute(VERIFY, {"reportId": str(report.id)}, token=admin.access_token)

    result = await client.execute(REVOKE, {"reportId": str(report.id), "reason": reason}, token=admin.access_token)

    assert [e["field"] for e in result.data["pointsAwardRevoke"]["errors"]] == ["reason"]
    assert await LedgerEntry.filter(kind=LedgerKind.ADJUSTMENT).count() == 0


async def test_revoke_without_award_rejected(client, catalogue):
    courier = await factories.active_courier(client)
    admin = await factories.admin(client)
    report = await pf.report(courier.user_id)

    result = await client.execute(REVOKE, {"reportId": str(report.id), "reason": "伪造"}, token=admin.access_token)
    by_courier = await client.execute(REVOKE, {"reportId": str(report.id), "reason": "x"}, token=courier.access_token)

    assert [e["code"] for e in result.data["pointsAwardRevoke"]["errors"]] == ["AWARD_NOT_FOUND"]
    assert by_courier.error_code == "FORBIDDEN"
    assert await LedgerEntry.all().count() == 0


async def test_integrator_report_verifies_without_award(client, catalogue):
    admin = await factories.admin(client)
    report = await pf.report(None)

    result = await client.execute(VERIFY, {"reportId": str(report.id)}, token=admin.access_token)

    assert result.data["reportVerify"]["errors"] == []
    assert result.data["reportVerify"]["award"] is None
    assert (await Report.get(id=report.id)).status is ReportStatus.CLOSED
    assert await LedgerEntry.all().count() == 0
