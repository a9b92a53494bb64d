"""The afternoon: departments work their queues, the back office triages, verifies and pays, a gate checks a pass."""

from __future__ import annotations

import asyncio
from typing import Any

from examples.dafeng import documents as doc
from examples.dafeng.client import Actor, Api
from examples.dafeng.day import State, Submitted, error_codes, limited
from examples.dafeng.plan import MEDICAL, Fate

REPLY_TEXT = "丰行侠你好，已安排人员前往处理，感谢你的反映"
RESOLVE_TEXT = "已到现场处理完毕"
REJECT_TEXT = "现场核实，未发现所述问题"
HAND_BACK_TEXT = "灯杆属于交通信号设施，归交警中队管理，请改派"
FOLLOW_UP_NOTE = "已通知家庭医生随访"


async def all_reports(api: Api, actor: Actor, filter: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Fetch every report of the actor's `reports` list, all pages."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await api.data(actor, doc.REPORTS, {"filter": filter, "after": after}))["reports"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


# --- Departments ---------------------------------------------------------------------


async def departments_work(state: State, round_name: str) -> None:
    """Let each department with grants work the dispatched reports it owns, all departments at once."""
    owners = [code for code, categories in state.catalogue.grants.items() if categories]
    await asyncio.gather(*(_work_queue(state, code, round_name) for code in owners))


async def _work_queue(state: State, department: str, round_name: str) -> None:
    staff = state.staff[department]
    submitted = state.by_report_id()
    queue = await all_reports(state.api, staff, {"statuses": ["DISPATCHED"]})
    # Oldest first, as a department works its queue.
    for report in reversed(queue):
        if department not in {d["code"] for d in report["departments"]}:
            continue  # seen as the community office, which does not act on it
        item = submitted.get(report["id"])
        if item is None:
            state.problems.append(f"{department} sees a report the day never submitted: {report['id']}")
            continue
        await _work_report(state, department, staff, report, item)


async def _work_report(state: State, department: str, staff: Actor, report: dict[str, Any], item: Submitted) -> None:
    api, planned, report_id = state.api, item.planned, report["id"]

    if report["category"]["code"] == MEDICAL and department != "hospital-emergency":
        # The hospital team takes medical emergencies. The health centre only notes its follow-up, once.
        if not any(entry["kind"] == "NOTE" for entry in report["timeline"]):
            await api.mutate(staff, doc.NOTE, {"id": report_id, "text": FOLLOW_UP_NOTE})
            state.actions["internal notes"] += 1
        return

    if await _decide_duplicates(state, staff, report, item):
        return
    if planned.fate is Fate.HAND_BACK and report_id not in state.handed_back:
        await api.mutate(staff, doc.HAND_BACK, {"id": report_id, "text": HAND_BACK_TEXT})
        state.handed_back.add(report_id)
        state.actions["handed back"] += 1
        return
    if planned.fate is Fate.REJECT:
        await api.mutate(staff, doc.REJECT, {"id": report_id, "text": REJECT_TEXT})
        state.actions["rejected"] += 1
        return

    await api.mutate(staff, doc.ACCEPT, {"id": report_id, "text": "已受理"})
    await api.mutate(staff, doc.REPLY, {"id": report_id, "text": REPLY_TEXT})
    state.actions["accepted"] += 1
    state.actions["replied"] += 1
    if planned.fate is not Fate.LEAVE_OPEN:
        await api.mutate(staff, doc.RESOLVE, {"id": report_id, "text": RESOLVE_TEXT})
        state.actions["resolved"] += 1


async def _decide_duplicates(state: State, staff: Actor, report: dict[str, Any], item: Submitted) -> bool:
    """Confirm the link to the planned original; dismiss every other suggestion. True when the report became a duplicate."""
    planned = item.planned
    original_id = state.submitted[planned.duplicate_of].report_id if planned.duplicate_of is not None else None
    possible = [link for link in report["possibleDuplicates"] if link["status"] == "POSSIBLE"]
    if planned.fate is Fate.DUPLICATE and not any(link["originalId"] == original_id for link in possible):
        state.problems.append(
            f"near-duplicate {report['id']} ({planned.category}, a few metres from {original_id}) was not linked to it"
        )
    for link in possible:
        if link["originalId"] == original_id:
            await state.api.mutate(staff, doc.DUPLICATE_CONFIRM, {"id": link["id"], "text": "同一问题，已合并"})
            state.actions["duplicates confirmed"] += 1
            return True
        await state.api.mutate(staff, doc.DUPLICATE_DISMISS, {"id": link["id"], "text": "不是同一处问题"})
        state.actions["duplicate suggestions dismissed"] += 1
    return False


# --- The back office ---------------------------------------------------------------------


async def triage(state: State) -> None:
    """Classify every report waiting in triage: free text filed under "other", and hand-backs."""
    api, admin = state.api, state.admin
    submitted = state.by_report_id()
    waiting: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await api.data(admin, doc.TRIAGE_QUEUE, {"after": after}))["triageQueue"]
        waiting += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    for report in waiting:
        planned = submitted[report["id"]].planned
        reason = report["triageReason"]
        if reason not in ("OTHER_CATEGORY", "HANDED_BACK") or planned.true_category is None:
            state.problems.append(f"report {report['id']} ({planned.category}) waits in triage for {reason}")
            continue
        state.expect(reason != "OTHER_CATEGORY" or report["otherText"] == planned.other_text,
                     f"triage shows otherText {report['otherText']!r} for {report['id']}, expected {planned.other_text!r}")
        await api.mutate(admin, doc.CLASSIFY, {
            "id": report["id"], "code": planned.true_category, "text": "后台人工分类",
        })
        state.actions["classified by the back office"] += 1


async def verify_and_pay(state: State) -> None:
    """Verify every resolved report (awarding its points once), then record payouts for the top couriers."""
    api, admin = state.api, state.admin
    resolved = await all_reports(api, admin, {"statuses": ["RESOLVED"]})
    categories = state.catalogue.categories

    async def verify(report: dict[str, Any]) -> None:
        payload = await api.mutate(admin, doc.VERIFY, {"id": report["id"]})
        amount = payload["award"]["amount"] if payload["award"] else 0
        state.awards[report["id"]] = amount
        state.expect(amount == categories[report["category"]["code"]]["points"],
                     f"report {report['id']} earned {amount} points, its category is worth "
                     f"{categories[report['category']['code']]['points']}")
        state.actions["verified"] += 1

    await limited(verify(r) for r in resolved)

    # The points guards: a second verification, a duplicate and a rejected report earn nothing.
    if resolved:
        again = (await api.data(admin, doc.VERIFY, {"id": resolved[0]["id"]}))["reportVerify"]
        state.expect(error_codes(again) == ["REPORT_ALREADY_VERIFIED"], f"a second verification returned {again}")
    for status, code in (("DUPLICATE", "REPORT_IS_DUPLICATE"), ("REJECTED", "REPORT_NOT_VERIFIABLE")):
        others = await all_reports(api, admin, {"statuses": [status]})
        if others:
            refused = (await api.data(admin, doc.VERIFY, {"id": others[0]["id"]}))["reportVerify"]
            state.expect(error_codes(refused) == [code], f"verifying a {status} report returned {refused}")

    await _pay_top_couriers(state)


async def _pay_top_couriers(state: State) -> None:
    api, admin = state.api, state.admin
    accounts = await limited(
        api.data(admin, doc.POINTS_ACCOUNT, {"id": courier.user_id}) for courier in state.couriers
    )
    balances = sorted(
        ((a["pointsAccount"]["balance"], a["pointsAccount"]["courierId"]) for a in accounts), reverse=True
    )
    payable = [(balance, courier_id) for balance, courier_id in balances[:3] if balance > 0]
    for number, (balance, courier_id) in enumerate(payable, start=1):
        # The first is paid in full and the others in part, so that both kinds of payout occur.
        amount = balance if number == 1 else max(1, balance // 2)
        payload = await api.mutate(admin, doc.PAYOUT, {"input": {
            "courierId": courier_id, "amount": amount, "reference": f"WXPAY-{state.run_id}-{number}",
            "note": "微信转账",
        }})
        state.payouts[courier_id] += amount
        state.expect(payload["account"]["balance"] == balance - amount,
                     f"after paying {amount} of {balance}, the balance is {payload['account']['balance']}")
        state.actions["payouts"] += 1

    if payable:
        balance, courier_id = payable[-1]
        left = balance - state.payouts[courier_id]
        too_much = (await api.data(admin, doc.PAYOUT, {"input": {
            "courierId": courier_id, "amount": left + 1, "reference": f"WXPAY-{state.run_id}-over",
        }}))["payoutCreate"]
        state.expect(error_codes(too_much) == ["BALANCE_INSUFFICIENT"],
                     f"a payout above the balance returned {too_much}")


# --- The gate --------------------------------------------------------------------------


async def check_pass_at_gate(state: State) -> None:
    """Show a courier's QR pass at a compound gate, where the gatekeeper's scanner verifies it and a forged one."""
    api = state.api
    courier = state.couriers[0]
    issued = (await api.data(courier, doc.MY_PASS))["myPass"]
    verdict = (await api.mutate(state.gatekeeper, doc.PASS_VERIFY, {"code": issued["code"]}))["verification"]
    state.pass_check = {"courier": courier, "verification": verdict}
    person = courier.extra["person"]
    state.expect(verdict["valid"] and verdict["result"] == "VALID", f"a fresh pass was not valid at the gate: {verdict}")
    holder = (verdict.get("courier") or {}).get("maskedName", "")
    state.expect(holder[:1] == person.real_name[:1] and holder != person.real_name and "*" in holder,
                 f"the gate shows the courier as {holder!r}, not as a masked name")

    forged_code = issued["code"][:-2] + ("AA" if not issued["code"].endswith("AA") else "BB")
    forged = (await api.mutate(state.gatekeeper, doc.PASS_VERIFY, {"code": forged_code}))["verification"]
    state.pass_check["forged"] = forged
    state.expect(not forged["valid"], f"a forged pass was accepted at the gate: {forged}")
