"""GraphQL types of points: ledger entries, accounts, leaderboards and the money mutations' payloads."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.i18n import Language
from api.models.points import LedgerEntry as LedgerEntryModel
from api.models.points import LedgerKind as LedgerKindModel
from api.points import leaderboard as boards
from api.points.ledger import AccountSummary
from api.points.periods import Board
from api.schema.common import Company, localised
from api.schema.errors import UserError

LedgerKind = strawberry.enum(LedgerKindModel, name="LedgerKind", description="What a ledger entry records.")
LeaderboardBoard = strawberry.enum(
    Board, name="LeaderboardBoard", description="HALF_YEAR is 丰行少侠, YEAR is 丰行大侠."
)


@strawberry.type(description="One points ledger entry. Amounts are signed integer points (1 point = 1 yuan).")
class LedgerEntry:
    id: strawberry.ID
    kind: LedgerKind
    amount: int
    report_id: strawberry.ID | None
    reason: str
    reference: str | None = strawberry.field(description="Payment reference of a payout.")
    created_at: datetime


@strawberry.type(description="A courier's points, summed from the ledger.")
class PointsAccount:
    courier_id: strawberry.ID
    balance: int = strawberry.field(description="Points not yet paid out; negative only after a revoked award.")
    awarded: int
    revoked: int = strawberry.field(description="Points taken back from revoked awards.")
    adjusted: int = strawberry.field(description="Net sum of manual adjustments.")
    paid_out: int


@strawberry.type(description="A leaderboard period in Beijing time: from startsAt (included) to endsAt (excluded).")
class LeaderboardPeriod:
    year: int
    half: int | None
    starts_at: datetime
    ends_at: datetime


@strawberry.type(description="A place on a leaderboard; the name is masked and no phone or ID number is shown.")
class LeaderboardEntry:
    rank: int
    masked_name: str
    company: Company | None
    points: int


@strawberry.type(description="The calling courier's own place, even outside the top 50.")
class LeaderboardStanding:
    rank: int | None = strawberry.field(description="Null while the courier has no points in the period.")
    points: int


@strawberry.type(description="A jurisdiction's top couriers of a period.")
class Leaderboard:
    board: LeaderboardBoard
    title: str
    period: LeaderboardPeriod
    entries: list[LeaderboardEntry]
    me: LeaderboardStanding | None = strawberry.field(description="Null for admins.")


@strawberry.type
class ReportVerifyPayload:
    report_id: strawberry.ID | None = None
    closed_at: datetime | None = None
    award: LedgerEntry | None = strawberry.field(default=None, description="Null when nothing was awarded.")
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LedgerEntryPayload:
    entry: LedgerEntry | None = None
    account: PointsAccount | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class PayoutCreateInput:
    courier_id: strawberry.ID
    amount: int = strawberry.field(description="Points paid, a whole number; 1 point = 1 yuan.")
    reference: str = strawberry.field(description="Payment reference, unique in the jurisdiction.")
    note: str = ""


@strawberry.input
class PointsAdjustmentCreateInput:
    courier_id: strawberry.ID
    amount: int = strawberry.field(description="Signed whole number of points.")
    reason: str


def ledger_entry_type(entry: LedgerEntryModel) -> LedgerEntry:
    return LedgerEntry(
        id=strawberry.ID(str(entry.id)),
        kind=entry.kind,
        amount=entry.amount,
        report_id=strawberry.ID(str(entry.report_id)) if entry.report_id else None,
        reason=entry.reason,
        reference=entry.reference,
        created_at=entry.created_at,
    )


def account_type(summary: AccountSummary) -> PointsAccount:
    return PointsAccount(
        courier_id=strawberry.ID(str(summary.courier_id)),
        balance=summary.balance,
        awarded=summary.awarded,
        revoked=summary.revoked,
        adjusted=summary.adjusted,
        paid_out=summary.paid_out,
    )


def leaderboard_type(result: boards.Leaderboard, title: str, language: Language) -> Leaderboard:
    period = result.period
    return Leaderboard(
        board=period.board,
        title=title,
        period=LeaderboardPeriod(year=period.year, half=period.half, starts_at=period.starts_at, ends_at=period.ends_at),
        entries=[
            LeaderboardEntry(
                rank=entry.rank,
                masked_name=entry.masked_name,
                company=Company(
                    code=entry.company_code, name=localised(language, entry.company_zh or "", entry.company_en or "")
                ) if entry.company_code else None,
                points=entry.points,
            )
            for entry in result.entries
        ],
        me=LeaderboardStanding(
            rank=result.own.rank if result.own else None, points=result.own_points or 0
        ) if result.own_points is not None else None,
    )
