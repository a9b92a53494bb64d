"""Leaderboard periods: half-years (1 Jan-30 Jun, 1 Jul-31 Dec) and years, in local time.

Boundaries are midnight in the jurisdiction's time zone (Asia/Shanghai, Beijing
time, unless the jurisdiction's timezone field names another). A period includes its start and
excludes its end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from zoneinfo import ZoneInfo

from api.errors import ValidationFailed

BEIJING = "Asia/Shanghai"
MIN_YEAR = 2000
MAX_YEAR = 2100


class Board(str, Enum):
    # 丰行少侠: top couriers of the half-year.
    HALF_YEAR = "HALF_YEAR"
    # 丰行大侠: top couriers of the year.
    YEAR = "YEAR"


@dataclass(frozen=True)
class Period:
    board: Board
    year: int
    # 1 or 2 for a half-year, None for a year.
    half: int | None
    starts_at: datetime
    ends_at: datetime

    def contains(self, moment: datetime) -> bool:
        return self.starts_at <= moment < self.ends_at

    @property
    def label(self) -> str:
        return f"{self.year}-H{self.half}" if self.half else str(self.year)


def period_of(board: Board, year: int, half: int | None, time_zone: str = BEIJING) -> Period:
    """Build a period from its year and half; raise ValidationFailed for an impossible one."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed.single("year", "PERIOD_INVALID")
    zone = ZoneInfo(time_zone)
    if board is Board.YEAR:
        if half is not None:
            raise ValidationFailed.single("half", "PERIOD_INVALID")
        start = datetime(year, 1, 1, tzinfo=zone)
        end = datetime(year + 1, 1, 1, tzinfo=zone)
    else:
        if half not in (1, 2):
            raise ValidationFailed.single("half", "PERIOD_INVALID")
        start = datetime(year, 1 if half == 1 else 7, 1, tzinfo=zone)
        end = datetime(year, 7, 1, tzinfo=zone) if half == 1 else datetime(year + 1, 1, 1, tzinfo=zone)
    return Period(board, year, half, start.astimezone(timezone.utc), end.astimezone(timezone.utc))


def period_containing(board: Board, moment: datetime, time_zone: str = BEIJING) -> Period:
    """Return the period of this board that contains an aware moment."""
    local = moment.astimezone(ZoneInfo(time_zone))
    half = None
    if board is not Board.YEAR:
        half = 1 if local.month <= 6 else 2
    return period_of(board, local.year, half, time_zone)


def parse_period(text: str, time_zone: str = BEIJING) -> Period:
    """Parse "2026" (a year) or "2026-H1" / "2026-H2" (a half-year), as the CLI takes them."""
    year_text, separator, half_text = text.strip().upper().partition("-H")
    if not year_text.isdigit() or (separator and half_text not in ("1", "2")):
        raise ValidationFailed.single("period", "PERIOD_INVALID")
    if separator:
        return period_of(Board.HALF_YEAR, int(year_text), int(half_text), time_zone)
    return period_of(Board.YEAR, int(year_text), None, time_zone)


def local_day_bounds(moment: datetime, time_zone: str = BEIJING) -> tuple[datetime, datetime]:
    """The start and end (exclusive) of the local calendar day that contains the moment, in UTC."""
    zone = ZoneInfo(time_zone)
    local = moment.astimezone(zone)
    start = datetime(local.year, local.month, local.day, tzinfo=zone)
    end = datetime.fromordinal(start.toordinal() + 1).replace(tzinfo=zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)
