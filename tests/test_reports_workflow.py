"""The department port: each transition, the legal ones only, each recorded with actor, time and comment."""

from datetime import datetime, timedelta, timezone

import pytest

from api.models.reports import Report, TimelineEntry
from tests import factories
from tests.report_factories import (
    ACCEPT,
    NOTE,
    REJECT,
    REOPEN,
    REPLY,
    REPORT,
    REPORTS,
    RESOLVE,
    act,
    submitted,
)


async def dispatched_report(client):
    courier = await factories.active_courier(client)
    staff = await factories.staff(client, "traffic-police")
    report = await submitted(client, courier.access_token, category="traffic-light")
    return courier, staff, report


async def test_accept_then_resolve(client, catalogue):
    courier, staff, report = await dispatched_report(client)

    accepted = (await act(client, ACCEPT, staff.access_token, id=report["id"], comment="已派人")).data["reportAccept"]
    resolved = (await act(client, RESOLVE, staff.access_token, id=report["id"], comment="信号灯已修复")).data[
        "reportResolve"
    ]

    assert accepted["report"]["status"] == "ACCEPTED"
    assert accepted["report"]["acceptedAt"] is not None
    assert resolved["report"]["status"] == "RESOLVED"
    assert resolved["report"]["resolvedAt"] is not None
    entries = resolved["report"]["timeline"]
    assert [(e["kind"], e["fromStatus"], e["toStatus"]) for e in entries[-2:]] == [
        ("ACCEPTED", "DISPATCHED", "ACCEPTED"),
        ("RESOLVED", "ACCEPTED", "RESOLVED"),
    ]
    assert entries[-1]["comment"] == "信号灯已修复"
    assert entries[-1]["actor"] == {"maskedName": "赵**", "role": "DEPARTMENT_STAFF"}
    assert entries[-1]["department"]["code"] == "traffic-police"
    rows = await TimelineEntry.filter(report_id=report["id"]).order_by("id")
    assert all(row.created_at is not None for row in rows)
    assert str(rows[-1].actor_id) == staff.user_id


async def test_resolve_straight_from_dispatched(client, catalogue):
    _, staff, report = await dispatched_report(client)

    result = await act(client, RESOLVE, staff.access_token, id=report["id"], comment="已处理")

    assert result.data["reportResolve"]["report"]["status"] == "RESOLVED"


async def test_reject_with_reason(client, catalogue):
    courier, staff, report = await dispatched_report(client)

    missing = await act(client, REJECT, staff.access_token, id=report["id"], reason="")
    result = await act(client, REJECT, staff.access_token, id=report["id"], reason="现场核实信号灯正常")

    assert missing.data["reportReject"]["errors"][0]["code"] == "COMMENT_REQUIRED"
    rejected = result.data["reportReject"]["report"]
    assert rejected["status"] == "REJECTED"
    assert rejected["dueAt"] is None
    courier_view = (await client.execute(REPORT, {"id": report["id"]}, token=courier.access_token)).data["report"]
    assert courier_view["timeline"][-1]["kind"] == "REJECTED"
    assert courier_view["timeline"][-1]["comment"] == "现场核实信号灯正常"


async def test_admin_rejects_triage_report(client, catalogue):
    courier = await factories.active_courier(client)
    admin = await factories.admin(client)
    report = await submitted(client, courier.access_token, category="other", otherText="测试")

    result = await act(client, REJECT, admin.access_token, id=report["id"], reason="无效上报")

    assert result.data["reportReject"]["report"]["status"] == "REJECTED"


async def test_reopen_resolved(client, catalogue):
    _, staff, report = await dispatched_report(client)
    await act(client, RESOLVE, staff.access_token, id=report["id"], comment="已修复")

    result = await act(client, REOPEN, staff.access_token, id=report["id"], comment="又坏了")

    reopened = result.data["reportReopen"]["report"]
    assert reopened["status"] == "ACCEPTED"
    assert reopened["resolvedAt"] is None
    assert reopened["timeline"][-1]["kind"] == "REOPENED"


@pytest.mark.parametrize(
    "steps, document, variables",
    [
        ([], REOPEN, {"comment": "x"}),
        (["accept"], ACCEPT, {}),
        (["resolve"], ACCEPT, {}),
        (["resolve"], RESOLVE, {"comment": "x"}),
        (["reject"], RESOLVE, {"comment": "x"}),
        (["reject"], REOPEN, {"comment": "x"}),
        (["reject"], REJECT, {"reason": "x"}),
    ],
)
async def test_illegal_transitions_rejected(client, catalogue, steps, document, variables):
    _, staff, report = await dispatched_report(client)
    for step in steps:
        step_document, step_variables = {
            "accept": (ACCEPT, {}),
            "resolve": (RESOLVE, {"comment": "done"}),
            "reject": (REJECT, {"reason": "no"}),
        }[step]
        await act(client, step_document, staff.access_token, id=report["id"], **step_variables)
    before = await Report.get(id=report["id"])
    entries_before = await TimelineEntry.filter(report_id=report["id"]).count()

    result = await act(client, document, staff.access_token, id=report["id"], **variables)

    payload = next(iter(result.data.values()))
    assert payload["report"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("reportId", "STATUS_TRANSITION_INVALID")]
    after = await Report.get(id=report["id"])
    assert (after.status, after.updated_at) == (before.status, before.updated_at)
    assert await TimelineEntry.filter(report_id=report["id"]).count() == entries_before


async def test_reply_visible_to_courier_without_staff_identity(client, catalogue):
    courier, staff, report = await dispatched_report(client)

    await act(client, REPLY, staff.access_token, id=report["id"], text="感谢反映，已安排维修")

    courier_view = (await client.execute(REPORT, {"id": report["id"]}, token=courier.access_token)).data["report"]
    reply = courier_view["timeline"][-1]
    assert reply["kind"] == "REPLIED"
    assert reply["comment"] == "感谢反映，已安排维修"
    assert reply["department"]["name"] == "交警中队"
    assert reply["actor"] is None
    assert all(entry["actor"] is None for entry in courier_view["timeline"])


async def test_internal_note_hidden_from_courier(client, catalogue):
    courier, staff, report = await dispatched_report(client)

    result = await act(client, NOTE, staff.access_token, id=report["id"], text="内部：需联系供电局")

    staff_entries = result.data["reportNoteAdd"]["report"]["timeline"]
    assert staff_entries[-1]["kind"] == "NOTE"
    assert staff_entries[-1]["internal"] is True
    courier_view = await client.execute(REPORT, {"id": report["id"]}, token=courier.access_token)
    assert "内部" not in courier_view.body.__repr__()
    assert "NOTE" not in [e["kind"] for e in courier_view.data["report"]["timeline"]]
    courier_list = await client.execute(
        "{ myReports { edges { node { timeline { kind comment } } } } }", token=courier.access_token
    )
    assert "内部" not in courier_list.body.__repr__()


async def test_courier_cannot_act_or_note(client, catalogue):
    courier, _, report = await dispatched_report(client)

    accept = await act(client, ACCEPT, courier.access_token, id=report["id"])
    note = await act(client, NOTE, courier.access_token, id=report["id"], text="我自己的备注")
    reply = await act(client, REPLY, courier.access_token, id=report["id"], text="回复")

    assert accept.error_code == "FORBIDDEN"
    assert note.error_code == "FORBIDDEN"
    assert reply.error_code == "FORBIDDEN"
    assert (await Report.get(id=report["id"])).status.value == "DISPATCHED"


async def test_another_department_gets_not_found(client, catalogue):
    _, _, report = await dispatched_report(client)
    urban = await factories.staff(client, "urban-management")
    before = await TimelineEntry.filter(report_id=report["id"]).count()

    for document, variables in [
        (ACCEPT, {}), (RESOLVE, {"comment": "x"}), (REJECT, {"reason": "x"}), (REPLY, {"text": "x"}),
        (NOTE, {"text": "x"}),
    ]:
        result = await act(client, document, urban.access_token, id=report["id"], **variables)
        assert result.error_code == "NOT_FOUND", document

    assert await TimelineEntry.filter(report_id=report["id"]).count() == before
    assert (await Report.get(id=report["id"])).status.value == "DISPATCHED"


async def test_community_viewer_notes_but_cannot_work(client, catalogue):
    _, _, report = await dispatched_report(client)
    sanhe = await factories.staff(client, "community-sanhe")

    note = await act(client, NOTE, sanhe.access_token, id=report["id"], text="社区已知晓")
    accept = await act(client, ACCEPT, sanhe.access_token, id=report["id"])

    assert note.data["reportNoteAdd"]["errors"] == []
    assert accept.error_code == "FORBIDDEN"
    assert accept.error_reason == "REPORT_NOT_ACTIONABLE"


async def test_revoked_grant_removes_access(client, catalogue):
    from api.models.catalogue import Grant

    _, staff, report = await dispatched_report(client)
    await Grant.filter(department__code="traffic-police", category__code="traffic-light").delete()

    result = await client.execute(REPORT, {"id": report["id"]}, token=staff.access_token)

    assert result.error_code == "NOT_FOUND"


async def test_overdue_reports_queryable(client, catalogue):
    courier, staff, report = await dispatched_report(client)
    fresh = await submitted(client, courier.access_token, category="traffic-light")
    past = datetime.now(timezone.utc) - timedelta(minutes=5)
    await Report.filter(id=report["id"]).update(due_at=past)

    overdue = await client.execute(REPORTS, {"filter": {"overdue": True}}, token=staff.access_token)
    on_time = await client.execute(REPORTS, {"filter": {"overdue": False}}, token=staff.access_token)

    assert [(e["node"]["id"], e["node"]["overdue"]) for e in overdue.data["reports"]["edges"]] == [(report["id"], True)]
    assert [e["node"]["id"] for e in on_time.data["reports"]["edges"]] == [fresh["id"]]


async def test_due_time_from_category(client, catalogue):
    _, _, report = await dispatched_report(client)

    row = await Report.get(id=report["id"])

    assert row.due_at - row.dispatched_at == timedelta(minutes=60)


async def test_resolved_report_is_not_overdue(client, catalogue):
    _, staff, report = await dispatched_report(client)
    await act(client, RESOLVE, staff.access_token, id=report["id"], comment="done")
    await Report.filter(id=report["id"]).update(due_at=datetime.now(timezone.utc) - timedelta(minutes=5))

    overdue = await client.execute(REPORTS, {"filter": {"overdue": True}}, token=staff.access_token)

    assert overdue.data["reports"]["edges"] == []


async def test_comment_over_limit_rejected(client, catalogue):
    _, staff, report = await dispatched_report(client)

    result = await act(client, RESOLVE, staff.access_token, id=report["id"], comment="字" * 2001)

    assert result.data["reportResolve"]["errors"][0]["code"] == "COMMENT_TOO_LONG"
    assert (await Report.get(id=report["id"])).status.value == "DISPATCHED"
