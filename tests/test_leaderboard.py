"""Leaderboards: Beijing-time half-years and years, deterministic ties, masked names, own rank."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from api.models.identity import User
from api.models.points import LedgerEntry, LedgerKind
from api.points import verification
from tests import factories
from tests import points_factories as pf

BEIJING = ZoneInfo("Asia/Shanghai")

BOARD = """
query Board($board: LeaderboardBoard!, $year: Int, $half: Int) {
  leaderboard(board: $board, year: $year, half: $half) {
    board title
    period { year half startsAt endsAt }
    entries { rank maskedName company { code name } points }
    me { rank points }
  }
}
"""


def beijing(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BEIJING)


async def _board(client, token, board, year=None, half=None, language=None):
    result = await client.execute(
        BOARD, {"board": board, "year": year, "half": half}, token=token, language=language
    )
    return result.data["leaderboard"]


async def test_half_year_boundary_in_beijing_time(client, catalogue):
    admin_user = await pf.admin_user()
    courier = await factories.active_courier(client)
    june = await pf.report(courier.user_id)
    july = await pf.report(courier.user_id, category_code="manhole-cover", department_code="urban-management")

    await verification.verify_report(pf.principal_of(admin_user), june.id, now=beijing(2026, 6, 30, 23, 59))
    await verification.verify_report(pf.principal_of(admin_user), july.id, now=beijing(2026, 7, 1, 0, 1))

    first_half = await _board(client, courier.access_token, "HALF_YEAR", 2026, 1)
    second_half = await _board(client, courier.access_token, "HALF_YEAR", 2026, 2)
    year = await _board(client, courier.access_token, "YEAR", 2026)
    assert [e["points"] for e in first_half["entries"]] == [10]
    assert [e["points"] for e in second_half["entries"]] == [20]
    assert [e["points"] for e in year["entries"]] == [30]
    assert first_half["period"]["startsAt"] == "2025-12-31T16:00:00+00:00"
    assert first_half["period"]["endsAt"] == "2026-06-30T16:00:00+00:00"
    assert second_half["period"]["endsAt"] == "2026-12-31T16:00:00+00:00"
    assert year["period"] == {
        "year": 2026, "half": None, "startsAt": "2025-12-31T16:00:00+00:00", "endsAt": "2026-12-31T16:00:00+00:00"
    }


async def test_year_boundary_in_beijing_time(client, catalogue):
    courier = await factories.active_courier(client)
    user = await User.get(id=courier.user_id)
    await pf.award(user, 10, beijing(2025, 12, 31, 23, 59))
    await pf.award(user, 20, beijing(2026, 1, 1, 0, 0))

    last_year = await _board(client, courier.access_token, "YEAR", 2025)
    this_year = await _board(client, courier.access_token, "YEAR", 2026)
    h2 = await _board(client, courier.access_token, "HALF_YEAR", 2025, 2)

    assert last_year["me"] == {"rank": 1, "points": 10}
    assert this_year["me"] == {"rank": 1, "points": 20}
    assert h2["me"] == {"rank": 1, "points": 10}


async def test_current_period_by_default(client, catalogue):
    courier = await factories.active_courier(client)
    user = await User.get(id=courier.user_id)
    now = datetime.now(timezone.utc)
    await pf.award(user, 10, now - timedelta(minutes=1))
    local = now.astimezone(BEIJING)

    board = await _board(client, courier.access_token, "HALF_YEAR")
    year = await _board(client, courier.access_token, "YEAR")

    assert board["period"]["year"] == local.year
    assert board["period"]["half"] == (1 if local.month <= 6 else 2)
    assert board["me"] == {"rank": 1, "points": 10}
    assert year["period"]["half"] is None


async def test_tie_goes_to_first_to_reach_total(client, catalogue):
    courier = await factories.active_courier(client)
    early = await pf.courier_user(real_name="张三")
    late = await pf.courier_user(real_name="李四")
    # The late courier's entries are inserted first, so insertion order cannot decide the tie.
    await pf.award(late, 10, beijing(2026, 3, 1, 9, 0))
    await pf.award(late, 10, beijing(2026, 3, 5, 9, 0))
    await pf.award(early, 20, beijing(2026, 3, 2, 9, 0))
    await pf.award(await pf.courier_user(real_name="赵五"), 30, beijing(2026, 3, 9, 9, 0))

    board = await _board(client, courier.access_token, "HALF_YEAR", 2026, 1)

    assert [(e["rank"], e["maskedName"], e["points"]) for e in board["entries"]] == [
        (1, "赵*", 30),
        (2, "张*", 20),
        (3, "李*", 20),
    ]


async def test_entries_masked_without_contact_details(client, catalogue):
    courier = await factories.active_courier(client, realName="欧阳娜娜", companyCode="sf")
    user = await User.get(id=courier.user_id)
    await pf.award(user, 10, beijing(2026, 2, 1, 12, 0))

    zh = await _board(client, courier.access_token, "YEAR", 2026)
    en = await _board(client, courier.access_token, "YEAR", 2026, language="en")
    raw = await client.execute(BOARD, {"board": "YEAR", "year": 2026}, token=courier.access_token)

    assert zh["title"] == "丰行大侠"
    assert zh["entries"] == [{"rank": 1, "maskedName": "欧***", "company": {"code": "sf", "name": "顺丰"}, "points": 10}]
    assert en["entries"][0]["company"]["name"] == "SF Express"
    assert "欧阳娜娜" not in str(raw.body)
    assert user.phone not in str(raw.body)


async def test_own_rank_outside_top_fifty(client, catalogue):
    courier = await factories.active_courier(client)
    user = await User.get(id=courier.user_id)
    moment = beijing(2026, 4, 1, 8, 0)
    for index in range(52):
        other = await pf.courier_user()
        await pf.award(other, 100 + index, moment)
    await pf.award(user, 5, moment)

    board = await _board(client, courier.access_token, "HALF_YEAR", 2026, 1)

    assert len(board["entries"]) == 50
    assert [e["rank"] for e in board["entries"]] == list(range(1, 51))
    assert board["entries"][0]["points"] == 151
    assert board["me"] == {"rank": 53, "points": 5}


async def test_courier_without_points_has_no_rank(client, catalogue):
    courier = await factories.active_courier(client)
    await pf.award(await pf.courier_user(), 10, beijing(2026, 4, 1, 8, 0))

    board = await _board(client, courier.access_token, "HALF_YEAR", 2026, 1)

    assert board["me"] == {"rank": None, "points": 0}
    assert len(board["entries"]) == 1


async def test_revoked_award_leaves_board(client, catalogue):
    courier = await factories.active_courier(client)
    admin_user = await pf.admin_user()
    report = await pf.report(courier.user_id)
    await verification.verify_report(pf.principal_of(admin_user), report.id, now=beijing(2026, 5, 1, 10, 0))
    await verification.revoke_award(pf.principal_of(admin_user), report.id, "伪造", now=beijing(2026, 7, 2, 10, 0))

    first_half = await _board(client, courier.access_token, "HALF_YEAR", 2026, 1)
    second_half = await _board(client, courier.access_token, "HALF_YEAR", 2026, 2)

    assert first_half["entries"] == []
    assert second_half["entries"] == []
    assert first_half["me"] == {"rank": None, "points": 0}


async def test_board_is_per_jurisdiction(client, catalogue):
    other = await pf.other_jurisdiction()
    courier = await factories.active_courier(client)
    outsider = await User.create(
        jurisdiction=other, role="COURIER", status="ACTIVE", real_name="孙六", password_hash="x"
    )
    await pf.award(outsider, 500, beijing(2026, 2, 1, 8, 0))
    await pf.award(await User.get(id=courier.user_id), 10, beijing(2026, 2, 1, 8, 0))
    other_admin = await factories.admin(client, jurisdiction=other.code)

    ours = await _board(client, courier.access_token, "YEAR", 2026)
    theirs = await _board(client, other_admin.access_token, "YEAR", 2026)

    assert [e["points"] for e in ours["entries"]] == [10]
    assert [e["points"] for e in theirs["entries"]] == [500]
    assert theirs["me"] is None


async def test_payouts_do_not_lower_rank(client, catalogue):
    courier = await factories.active_courier(client)
    user = await User.get(id=courier.user_id)
    await pf.award(user, 40, beijing(2026, 2, 1, 8, 0))
    await LedgerEntry.create(
        jurisdiction_id=user.jurisdiction_id, courier=user, kind=LedgerKind.PAYOUT, amount=-40,
        reference="T-1", created_at=beijing(2026, 2, 2, 8, 0),
    )

    board = await _board(client, courier.access_token, "HALF_YEAR", 2026, 1)

    assert board["me"] == {"rank": 1, "points": 40}


async def test_invalid_period_rejected(client, catalogue):
    courier = await factories.active_courier(client)

    for variables in (
        {"board": "HALF_YEAR", "year": 2026, "half": 3},
        {"board": "HALF_YEAR", "year": 2026},
        {"board": "YEAR", "year": 2026, "half": 1},
        {"board": "YEAR", "year": 1999},
    ):
        result = await client.execute(BOARD, variables, token=courier.access_token)
        assert result.error_code == "BAD_USER_INPUT", variables


async def test_board_roles(client, catalogue):
    staff = await factories.staff(client, "traffic-police")
    gate = await factories.gatekeeper(client, ["sanhe"])

    by_staff = await client.execute(BOARD, {"board": "YEAR"}, token=staff.access_token)
    by_gate = await client.execute(BOARD, {"board": "YEAR"}, token=gate.access_token)
    anonymous = await client.execute(BOARD, {"board": "YEAR"})

    assert by_staff.error_code == "FORBIDDEN"
    assert by_gate.error_code == "FORBIDDEN"
    assert anonymous.error_code == "UNAUTHENTICATED"
