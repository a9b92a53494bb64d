"""The invariants the day must keep, each checked through the public API after the day is over."""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from examples.dafeng import documents as doc
from examples.dafeng.client import Actor
from examples.dafeng.day import State, limited
from examples.dafeng.plan import MEDICAL
from examples.dafeng.work import all_reports

MEDIA_READY_SECONDS = 60
# Kinds of timeline entries that are never shown to the courier.
INTERNAL_KINDS = {"NOTE", "HANDED_BACK", "DUPLICATE_SUSPECTED", "DUPLICATE_DISMISSED", "CLASSIFIED", "REROUTED"}
ROUTED_STATUSES = {"DISPATCHED", "ACCEPTED", "RESOLVED", "CLOSED"}
EXIF_MARKERS = (b"Exif\x00\x00", b"Dafeng Phone", b"DF-1")


@dataclass
class CheckResult:
    name: str
    failures: list[str] = field(default_factory=list)
    detail: str = ""

    @property
    def passed(self) -> bool:
        return not self.failures


async def reports_when_media_ready(state: State) -> list[dict[str, Any]]:
    """Return every report as the admin reads it, once no photo is still being processed (or the wait runs out)."""
    deadline = time.monotonic() + MEDIA_READY_SECONDS
    while True:
        reports = await all_reports(state.api, state.admin)
        pending = [m for r in reports for m in r["media"] if m["status"] == "PENDING"]
        if not pending or time.monotonic() > deadline:
            return reports
        await asyncio.sleep(0.5)


async def run_checks(state: State) -> list[CheckResult]:
    reports = await reports_when_media_ready(state)
    mine = await _courier_reports(state)
    return [
        check_routed_or_triage(state, reports),
        check_communities(state, reports),
        await check_department_isolation(state, reports),
        await check_photos(state, reports),
        await check_points(state),
        check_retries(state, reports, mine),
        check_emergencies(state, mine),
        check_emergency_during_login_rush(state),
        check_courier_timelines(mine),
        CheckResult("the day went as planned", list(state.problems)),
    ]


def check_routed_or_triage(state: State, reports: list[dict[str, Any]]) -> CheckResult:
    result = CheckResult("every report routed or in triage", detail=f"reports: {len(reports)}")
    catalogue = state.catalogue
    for report in reports:
        status, departments = report["status"], {d["code"] for d in report["departments"]}
        label = f"report {report['id']} ({report['category']['code']}, {status})"
        if status == "TRIAGE":
            if departments or report["triageReason"] is None:
                result.failures.append(f"{label} waits in triage with departments {departments} and reason {report['triageReason']}")
        elif status in ROUTED_STATUSES:
            owners = catalogue.owners(report["category"]["code"])
            if not departments or departments != owners:
                result.failures.append(f"{label} is handled by {sorted(departments)}, the category's grants name {sorted(owners)}")
        elif status in ("REJECTED", "DUPLICATE"):
            if not {"DISPATCHED", "TRIAGED"} & {entry["kind"] for entry in report["timeline"]}:
                result.failures.append(f"{label} was closed without ever being routed or triaged")
        else:
            result.failures.append(f"{label} is neither routed nor in triage")
    return result


def check_communities(state: State, reports: list[dict[str, Any]]) -> CheckResult:
    """Check that a point sent in GCJ-02 lands in the community where the problem really is."""
    result = CheckResult("every report placed in its community", detail="GCJ-02 from the phone, WGS-84 boundaries")
    submitted = state.by_report_id()
    for report in reports:
        planned = submitted[report["id"]].planned
        community = (report["community"] or {}).get("code")
        if community != planned.community or report["outsideCommunities"]:
            result.failures.append(
                f"report {report['id']} at {planned.point} is in {community}, expected {planned.community}"
            )
        if report["location"]["submittedCoordinateSystem"] != "GCJ02":
            result.failures.append(f"report {report['id']} lost its submitted coordinate system")
        error_m = _distance_m(planned.point.latitude, planned.point.longitude,
                              report["location"]["latitude"], report["location"]["longitude"])
        if error_m > 1.0:
            result.failures.append(f"report {report['id']} is stored {error_m:.1f} m from where it was made")
    return result


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    import math

    dlat = math.radians(lat2 - lat1)
    dlon = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6_371_000 * math.hypot(dlat, dlon)


async def check_department_isolation(state: State, reports: list[dict[str, Any]]) -> CheckResult:
    """Check that each department's queue is exactly its granted reports and its own community's, and nothing leaks."""
    result = CheckResult("no department saw another's report")
    catalogue = state.catalogue
    api = state.api
    personal = _personal_strings(state)

    expected: dict[str, set[str]] = {code: set() for code in state.staff}
    for report in reports:
        category, departments = report["category"], {d["code"] for d in report["departments"]}
        for code in departments:
            if category["code"] in catalogue.grants.get(code, set()):
                expected[code].add(report["id"])
        if report["community"] and not category["private"]:
            expected[catalogue.community_department(report["community"]["code"])].add(report["id"])

    async def examine(code: str, staff: Actor) -> None:
        seen_reports = await all_reports(api, staff)
        seen = {r["id"] for r in seen_reports}
        for report_id in sorted(seen - expected[code]):
            result.failures.append(f"{code} sees report {report_id}, which is not routed to it")
        for report_id in sorted(expected[code] - seen):
            result.failures.append(f"{code} does not see report {report_id}, which is routed to it")
        text = json.dumps(seen_reports, ensure_ascii=False)
        for value in personal:
            if value in text:
                result.failures.append(f"{code} was shown a courier's personal details")
                break
        # A report outside its reach, asked for by id, is NOT_FOUND, and so is its photo.
        outside = next((r for r in reports if r["id"] not in expected[code] and r["media"]), None)
        if outside is not None:
            for document, variables in ((doc.REPORT_BY_ID, {"id": outside["id"]}),
                                        (doc.MEDIA_BY_ID, {"id": outside["media"][0]["id"]})):
                body = await api.execute(staff, document, variables)
                codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
                if codes != ["NOT_FOUND"]:
                    result.failures.append(f"{code} asked for {variables} outside its reach and got {body}")

    await limited(examine(code, staff) for code, staff in state.staff.items())

    medical = {r["id"] for r in reports if r["category"]["code"] == MEDICAL}
    received = set(state.emergencies)
    if received - medical:
        result.failures.append(f"the hospital team's subscription carried other reports: {sorted(received - medical)}")
    result.detail = f"departments: {len(state.staff)}, report views compared: {sum(len(v) for v in expected.values())}"
    return result


def _personal_strings(state: State) -> list[str]:
    values = []
    for courier in state.couriers:
        person = courier.extra["person"]
        values += [person.phone, person.id_number]
        if len(person.real_name) >= 3:
            values.append(person.real_name)  # two-character names may occur in ordinary text
    return values


async def check_photos(state: State, reports: list[dict[str, Any]]) -> CheckResult:
    """Download every served photo and thumbnail and check that each is upright, without EXIF or camera details."""
    result = CheckResult("no photo served with EXIF")
    submitted = state.by_report_id()
    downloads = 0

    async def examine(report: dict[str, Any]) -> None:
        nonlocal downloads
        photos = submitted[report["id"]].photos
        if len(report["media"]) != len(photos):
            result.failures.append(f"report {report['id']} has {len(report['media'])} media, {len(photos)} were uploaded")
        for media in report["media"]:
            if media["status"] != "READY" or not media["displayUrl"] or not media["thumbnailUrl"]:
                result.failures.append(f"photo {media['id']} is {media['status']} without served URLs")
                continue
            for kind in ("displayUrl", "thumbnailUrl"):
                response = await state.api.download(media[kind])
                downloads += 1
                problem = _exif_problem(response.status_code, response.content)
                if problem:
                    result.failures.append(f"photo {media['id']} {kind}: {problem}")
                elif kind == "displayUrl":
                    # The served photo is upright: the EXIF orientation was applied before the tags were dropped.
                    served = Image.open(io.BytesIO(response.content)).size
                    upright = {photo.upright_size for photo in photos}
                    if served not in upright:
                        result.failures.append(f"photo {media['id']} is served at {served}, upright it is one of {sorted(upright)}")

    await limited(examine(r) for r in reports if r["media"])
    result.detail = f"photos and thumbnails downloaded: {downloads}"
    return result


def _exif_problem(status_code: int, content: bytes) -> str | None:
    if status_code != 200:
        return f"HTTP {status_code}"
    image = Image.open(io.BytesIO(content))
    if image.format != "JPEG":
        return f"served as {image.format}"
    if dict(image.getexif()):
        return f"EXIF tags {sorted(image.getexif())}"
    found = [marker for marker in EXIF_MARKERS if marker in content]
    return f"contains {found}" if found else None


async def check_points(state: State) -> CheckResult:
    """Check for every courier: awarded = the awards of their verified reports, paid = the payouts, balance = the difference."""
    result = CheckResult("points balance = awards - payouts")
    api, admin = state.api, state.admin
    submitted = state.by_report_id()
    awarded_by_courier: Counter[str] = Counter()
    for report_id, amount in state.awards.items():
        awarded_by_courier[submitted[report_id].courier.user_id] += amount

    async def examine(courier: Actor) -> None:
        account = (await api.data(admin, doc.POINTS_ACCOUNT, {"id": courier.user_id}))["pointsAccount"]
        own = (await api.data(courier, doc.POINTS_ACCOUNT, {"id": None}))["pointsAccount"]
        ledger = await _ledger(state, courier.user_id)
        label = courier.label
        if own != account:
            result.failures.append(f"{label} sees {own}, the back office sees {account}")
        if account["awarded"] != awarded_by_courier[courier.user_id]:
            result.failures.append(f"{label} was awarded {account['awarded']}, verifications awarded {awarded_by_courier[courier.user_id]}")
        if account["paidOut"] != state.payouts[courier.user_id]:
            result.failures.append(f"{label} was paid {account['paidOut']}, payouts recorded {state.payouts[courier.user_id]}")
        expected_balance = account["awarded"] - account["revoked"] + account["adjusted"] - account["paidOut"]
        if account["balance"] != expected_balance or account["balance"] != sum(e["amount"] for e in ledger):
            result.failures.append(f"{label} has balance {account['balance']}, awards less payouts is {expected_balance}")
        award_reports = [e["reportId"] for e in ledger if e["kind"] == "AWARD"]
        if len(award_reports) != len(set(award_reports)):
            result.failures.append(f"{label} was awarded twice for one report")
        standing = (await api.data(courier, doc.MY_STANDING))["leaderboard"]["me"]
        if standing["points"] != account["awarded"]:
            result.failures.append(f"{label} stands at {standing['points']} points on the board, awarded {account['awarded']}")

    await limited(examine(c) for c in state.couriers)

    board = (await api.data(admin, doc.LEADERBOARD))["leaderboard"]
    top = sorted((p for p in awarded_by_courier.values() if p > 0), reverse=True)[: len(board["entries"])]
    if [e["points"] for e in board["entries"]] != top:
        result.failures.append(f"the leaderboard shows {[e['points'] for e in board['entries']]}, awards give {top}")
    names = {c.extra["person"].real_name for c in state.couriers}
    for entry in board["entries"]:
        if entry["maskedName"] in names or "*" not in entry["maskedName"]:
            result.failures.append(f"leaderboard rank {entry['rank']} shows an unmasked name")
    total_awarded, total_paid = sum(state.awards.values()), sum(state.payouts.values())
    result.detail = f"awarded {total_awarded}, paid out {total_paid}, balance {total_awarded - total_paid}"
    return result


async def _ledger(state: State, courier_id: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    before = None
    while True:
        page = (await state.api.data(state.admin, doc.LEDGER, {"id": courier_id, "before": before}))["pointsLedger"]
        entries += page
        if len(page) < 100:
            return entries
        before = page[-1]["id"]


async def _courier_reports(state: State) -> dict[str, list[dict[str, Any]]]:
    """Fetch each courier's own reports (by courier user id), as the mini-program lists them."""

    async def fetch(courier: Actor) -> tuple[str, list[dict[str, Any]]]:
        nodes, after = [], None
        while True:
            page = (await state.api.data(courier, doc.MY_REPORTS, {"after": after}))["myReports"]
            nodes += [edge["node"] for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                return courier.user_id, nodes
            after = page["pageInfo"]["endCursor"]

    return dict(await limited(fetch(c) for c in state.couriers))


def check_retries(state: State, reports: list[dict[str, Any]], mine: dict[str, list[dict[str, Any]]]) -> CheckResult:
    result = CheckResult("no duplicate from a retried submission")
    retried = [s for s in state.submitted.values() if s.planned.retried]
    for item in retried:
        ids = {item.report_id, *(report_id for report_id, _ in item.retries)}
        if len(ids) != 1:
            result.failures.append(f"retries of key {item.planned.idempotency_key} created reports {sorted(ids)}")
        if item.first_replayed or not all(replayed for _, replayed in item.retries):
            result.failures.append(f"retries of key {item.planned.idempotency_key} were not all replays")
    if len(reports) != len(state.plan.reports):
        result.failures.append(f"the back office sees {len(reports)} reports, {len(state.plan.reports)} were made")
    planned_per_courier = Counter(state.couriers[r.courier].user_id for r in state.plan.reports)
    for courier in state.couriers:
        if len(mine[courier.user_id]) != planned_per_courier[courier.user_id]:
            result.failures.append(f"{courier.label} lists {len(mine[courier.user_id])} reports, made "
                                   f"{planned_per_courier[courier.user_id]}")
    result.detail = f"submissions sent three times: {len(retried)}"
    return result


def check_emergencies(state: State, mine: dict[str, list[dict[str, Any]]]) -> CheckResult:
    """Check that every medical emergency reached the subscribed hospital team and was acknowledged to the courier."""
    result = CheckResult("every medical emergency reached the hospital team")
    timelines = {report["id"]: report["timeline"] for reports in mine.values() for report in reports}
    medical = [s for s in state.submitted.values() if s.planned.category == MEDICAL]
    for item in medical:
        receipt = state.emergencies.get(item.report_id)
        if receipt is None:
            result.failures.append(f"emergency {item.report_id} never reached the hospital team")
            continue
        if receipt.response_seconds is None:
            result.failures.append(f"emergency {item.report_id} was not acknowledged")
        if not any(e["kind"] == "ACKNOWLEDGED" for e in timelines.get(item.report_id, [])):
            result.failures.append(f"the courier of emergency {item.report_id} was not told help is on the way")
        if item.emergency_call != "120":
            result.failures.append(f"the courier of emergency {item.report_id} was told to call {item.emergency_call}")
    heat_strokes = sum(s.planned.heat_stroke for s in medical)
    result.detail = f"medical emergencies: {len(medical)}, heat stroke: {heat_strokes}"
    return result


# An emergency filed during the shift-start logins may take the longer of 10 single logins' time and half
# the rush. A server that hashes passwords on its event loop makes it wait for nearly the whole rush
# (measured: 70 to 98 % of it), a server that hashes in worker threads delivers it within 10 to 17 %.
RUSH_TOLERANCE_LOGINS = 10
RUSH_TOLERANCE_SHARE = 0.5


def check_emergency_during_login_rush(state: State) -> CheckResult:
    """Check that the heat-stroke report filed during the shift-start logins reached the hospital without waiting for them."""
    result = CheckResult("emergencies do not wait for the shift-start logins")
    shift = state.shift_start
    if shift is None:
        result.failures.append("the shift never started")
        return result
    limit = max(RUSH_TOLERANCE_LOGINS * shift.login_alone_seconds, RUSH_TOLERANCE_SHARE * shift.rush_seconds)
    result.detail = (
        f"{shift.logins} logins took {shift.rush_seconds:.1f} s, one alone {shift.login_alone_seconds * 1000:.0f} ms; "
        "the heat-stroke report arrived after "
        + ("never" if shift.emergency_seconds is None else f"{shift.emergency_seconds * 1000:.0f} ms")
        + f", limit {limit * 1000:.0f} ms"
    )
    if not state.judge_timing:
        result.detail += " (not judged: --no-timing-check)"
        if shift.emergency_seconds is None:
            result.failures.append("the heat-stroke report never reached the hospital team")
        return result
    if shift.emergency_seconds is None or shift.emergency_seconds > limit:
        result.failures.append(
            "the heat-stroke report waited for the logins: the server did nothing else while it checked passwords"
        )
    return result


def check_courier_timelines(mine: dict[str, list[dict[str, Any]]]) -> CheckResult:
    result = CheckResult("couriers see replies, never internal entries")
    replies = 0
    for reports in mine.values():
        for report in reports:
            kinds = {entry["kind"] for entry in report["timeline"]}
            replies += "REPLIED" in kinds
            if kinds & INTERNAL_KINDS:
                result.failures.append(f"the courier of {report['id']} sees {sorted(kinds & INTERNAL_KINDS)}")
    result.detail = f"reports with a reply: {replies}"
    return result
