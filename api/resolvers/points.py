"""Queries and mutations for points: accounts, ledger, leaderboards, verification, revocation and payouts."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.errors import ValidationFailed
from api.models.points import LedgerKind as LedgerKindModel
from api.points import leaderboard as boards
from api.points import ledger, payouts, verification
from api.points.periods import Board
from api.resolvers.base import context_of, parse_int_id, parse_uuid
from api.schema.errors import user_errors
from api.schema.points import (
    Leaderboard,
    LeaderboardBoard,
    LedgerEntry,
    LedgerEntryPayload,
    LedgerKind,
    PayoutCreateInput,
    PointsAccount,
    PointsAdjustmentCreateInput,
    ReportVerifyPayload,
    account_type,
    leaderboard_type,
    ledger_entry_type,
)

_BOARD_TITLES = {Board.HALF_YEAR: "LEADERBOARD_HALF_YEAR", Board.YEAR: "LEADERBOARD_YEAR"}


@strawberry.type
class PointsQuery:
    @strawberry.field(description="A courier's points: a courier reads their own, an admin any courier's.")
    async def points_account(self, info: Info, courier_id: strawberry.ID | None = None) -> PointsAccount:
        context = context_of(info)
        courier = await ledger.courier_in_reach(
            await context.principal(), parse_uuid(courier_id) if courier_id is not None else None
        )
        return account_type(await ledger.summary_of(courier))

    @strawberry.field(description="A courier's ledger entries, newest first; pass kind PAYOUT for the payout history.")
    async def points_ledger(
        self,
        info: Info,
        courier_id: strawberry.ID | None = None,
        kind: LedgerKind | None = None,
        first: int = 50,
        before: strawberry.ID | None = None,
    ) -> list[LedgerEntry]:
        context = context_of(info)
        courier = await ledger.courier_in_reach(
            await context.principal(), parse_uuid(courier_id) if courier_id is not None else None
        )
        entries = await ledger.entries_of(
            courier,
            kind=LedgerKindModel(kind.value) if kind is not None else None,
            first=first,
            before=parse_int_id(before, "before", "BAD_USER_INPUT"),
        )
        return [ledger_entry_type(entry) for entry in entries]

    @strawberry.field(description="The top 50 of the caller's jurisdiction; the current period unless a year is given.")
    async def leaderboard(
        self, info: Info, board: LeaderboardBoard, year: int | None = None, half: int | None = None
    ) -> Leaderboard:
        context = context_of(info)
        result = await boards.leaderboard(await context.principal(), Board(board.value), year=year, half=half)
        return leaderboard_type(result, context.t(_BOARD_TITLES[result.period.board]), context.language)


@strawberry.type
class PointsMutation:
    @strawberry.mutation(description="Admin: verify a resolved report, closing it and awarding its category's points once.")
    async def report_verify(self, info: Info, report_id: strawberry.ID) -> ReportVerifyPayload:
        context = context_of(info)
        try:
            result = await verification.verify_report(await context.principal(), parse_uuid(report_id))
        except ValidationFailed as error:
            return ReportVerifyPayload(errors=user_errors(error, context.language))
        return ReportVerifyPayload(
            report_id=strawberry.ID(str(result.report.id)),
            closed_at=result.report.closed_at,
            award=ledger_entry_type(result.award) if result.award else None,
        )

    @strawberry.mutation(description="Admin: revoke a report's award (for example for fraud), with a reason.")
    async def points_award_revoke(self, info: Info, report_id: strawberry.ID, reason: str) -> LedgerEntryPayload:
        context = context_of(info)
        try:
            entry = await verification.revoke_award(await context.principal(), parse_uuid(report_id), reason)
        except ValidationFailed as error:
            return LedgerEntryPayload(errors=user_errors(error, context.language))
        return LedgerEntryPayload(
            entry=ledger_entry_type(entry), account=account_type(await ledger.summary_of(entry.courier_id))
        )

    @strawberry.mutation(description="Admin: record a payout against a courier's balance, which never goes below zero.")
    async def payout_create(self, info: Info, input: PayoutCreateInput) -> LedgerEntryPayload:
        context = context_of(info)
        try:
            entry = await payouts.record_payout(
                await context.principal(),
                parse_uuid(input.courier_id),
                amount=input.amount,
                reference=input.reference,
                note=input.note,
            )
        except ValidationFailed as error:
            return LedgerEntryPayload(errors=user_errors(error, context.language))
        return LedgerEntryPayload(
            entry=ledger_entry_type(entry), account=account_type(await ledger.summary_of(entry.courier_id))
        )

    @strawberry.mutation(description="Admin: correct a courier's points by a signed amount, with a reason.")
    async def points_adjustment_create(self, info: Info, input: PointsAdjustmentCreateInput) -> LedgerEntryPayload:
        context = context_of(info)
        try:
            entry = await payouts.record_adjustment(
                await context.principal(), parse_uuid(input.courier_id), amount=input.amount, reason=input.reason
            )
        except ValidationFailed as error:
            return LedgerEntryPayload(errors=user_errors(error, context.language))
        return LedgerEntryPayload(
            entry=ledger_entry_type(entry), account=account_type(await ledger.summary_of(entry.courier_id))
        )
