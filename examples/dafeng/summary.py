"""The street-office manager's summary of the day, read from the back office's statistics."""

from __future__ import annotations

import statistics
import unicodedata
from datetime import datetime, timedelta, timezone
from typing import Any

from examples.dafeng import documents as doc
from examples.dafeng.checks import CheckResult
from examples.dafeng.day import State
from examples.dafeng.plan import MEDICAL


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} s"


def _display_width(text: str) -> int:
    """Columns the text takes in a terminal: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in text)


def _table(rows: list[tuple[str, int]], indent: str = "  ") -> list[str]:
    width = max((_display_width(label) for label, _ in rows), default=0)
    return [f"{indent}{label}{' ' * (width - _display_width(label))}  {count:>5}" for label, count in rows]


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


async def gather_summary(state: State) -> dict[str, Any]:
    api, admin = state.api, state.admin
    now = datetime.now(timezone.utc)
    numbers = (await api.data(admin, doc.STATISTICS))["reportStatistics"]
    board = (await api.data(admin, doc.LEADERBOARD))["leaderboard"]
    acknowledgements = (await api.data(admin, doc.EMERGENCY_STATISTICS, {
        "since": (now - timedelta(days=1)).isoformat(), "until": (now + timedelta(minutes=1)).isoformat(),
    }))["emergencyResponseStatistics"]
    return {"statistics": numbers, "leaderboard": board, "acknowledgements": acknowledgements}


def render_summary(state: State, gathered: dict[str, Any], checks: list[CheckResult], *,
                   setting: str, elapsed_seconds: float) -> str:
    numbers, board = gathered["statistics"], gathered["leaderboard"]
    acknowledgements = gathered["acknowledgements"]
    lines = [
        "",
        "== A day in Dafeng: the street office's summary ==",
        f"Ran on: {setting}",
        f"{_plural(len(state.couriers), 'courier')} of {len(state.catalogue.companies)} companies, "
        f"{_plural(numbers['total'], 'report')}, {state.api.requests} API requests, {elapsed_seconds:.0f} s",
        "The day is played in compressed time, so the durations below are seconds of the server's clock.",
        "",
        "Reports by category:",
        *_table([(f"{c['category']['nameZh']} ({c['category']['code']})", c["count"]) for c in numbers["byCategory"]]),
        f"  of which filed under 其它 (other) and classified by the back office: {_filed_as_other(state)}",
        "Reports by department (departments handling them now):",
        *_table([(f"{d['department']['name']} ({d['department']['code']})", d["count"]) for d in numbers["byDepartment"]]),
        "Reports by community:",
        *_table([((c["community"] or {}).get("name", "outside every community"), c["count"]) for c in numbers["byCommunity"]]),
        "Reports by status at the end of the day:",
        *_table([(s["status"], s["count"]) for s in numbers["byStatus"]]),
        f"Median time to accept (from dispatch): {_seconds(numbers['medianSecondsToAccept'])}",
        f"Median time to resolve (from submission): {_seconds(numbers['medianSecondsToResolve'])}",
        f"Overdue: {numbers['overdue']}",
        "",
        *_emergency_lines(state, acknowledgements),
        "",
        f"Half-year leaderboard {board['title']} ({board['period']['year']} H{board['period']['half']}), top 10:",
        *[
            f"  {entry['rank']:>2}. {entry['maskedName']:<6} {(entry['company'] or {}).get('name', ''):<8} {entry['points']:>5}"
            for entry in board["entries"][:10]
        ],
        f"Points: awarded {sum(state.awards.values())}, paid out {sum(state.payouts.values())}, "
        f"owed {sum(state.awards.values()) - sum(state.payouts.values())}",
        "",
        "What the day did: " + ", ".join(f"{name} {count}" for name, count in sorted(state.actions.items())),
        *_pass_lines(state),
        "",
        "Invariants:",
    ]
    for check in checks:
        lines.append(f"  {'PASS' if check.passed else 'FAIL'}  {check.name}" + (f" ({check.detail})" if check.detail else ""))
        lines += [f"        - {failure}" for failure in check.failures[:20]]
        if len(check.failures) > 20:
            lines.append(f"        ... and {len(check.failures) - 20} more")
    failed = sum(not check.passed for check in checks)
    lines.append(f"Result: {len(checks) - failed} invariants passed, {failed} failed")
    return "\n".join(lines)


def _emergency_lines(state: State, acknowledgements: dict[str, Any]) -> list[str]:
    medical = [s for s in state.submitted.values() if s.planned.category == MEDICAL]
    latencies = [
        (state.emergencies[s.report_id].received_at - s.sent_at) * 1000 for s in medical if s.report_id in state.emergencies
    ]
    lines = [f"Medical emergencies: {len(medical)} reported, {len(latencies)} received by the hospital team"
             f" ({sum(s.planned.heat_stroke for s in medical)} heat stroke)"]
    if latencies:
        lines.append(
            f"  submit-to-receive latency: median {statistics.median(latencies):.0f} ms, "
            f"slowest {max(latencies):.0f} ms (from sending the report to the subscription event)"
        )
    lines.append(
        f"  acknowledged: {acknowledgements['acknowledged']}, median {acknowledgements['medianSeconds']} s, "
        f"within the 4-minute golden time: {acknowledgements['withinGoldenTime']}"
    )
    return lines


def _filed_as_other(state: State) -> int:
    return sum(1 for s in state.submitted.values() if s.planned.category == "other")


def _pass_lines(state: State) -> list[str]:
    verdict = state.pass_check.get("verification")
    if not verdict:
        return []
    holder = verdict.get("courier") or {}
    forged = state.pass_check.get("forged") or {}
    return [
        f"Gate check at {(verdict.get('community') or {}).get('code')}: {verdict['result']} for "
        f"{holder.get('maskedName')} ({(holder.get('company') or {}).get('name')}); a forged pass: {forged.get('result')}"
    ]
