"""The points ledger: every award, payout and adjustment as an append-only entry."""

from enum import Enum

from tortoise import fields
from tortoise.models import Model


class LedgerKind(str, Enum):
    # Points for a verified report. Positive.
    AWARD = "AWARD"
    # Money paid to the courier. Negative.
    PAYOUT = "PAYOUT"
    # A correction by an admin. With a report it revokes that report's award.
    ADJUSTMENT = "ADJUSTMENT"


class LedgerEntry(Model):
    """One signed change of a courier's points (1 point = 1 yuan).

    Rows are only ever inserted. Balances and totals are sums over them, and a
    correction is a new ADJUSTMENT entry.
    """

    id = fields.BigIntField(primary_key=True)
    jurisdiction = fields.ForeignKeyField(
        "models.Jurisdiction", related_name="ledger_entries", on_delete=fields.RESTRICT
    )
    courier = fields.ForeignKeyField("models.User", related_name="ledger_entries", on_delete=fields.RESTRICT)
    kind = fields.CharEnumField(LedgerKind, max_length=16)
    # Signed integer points: awards are positive, payouts negative, adjustments either.
    amount = fields.IntField()
    # Set on awards and on the adjustment that revokes an award.
    report = fields.ForeignKeyField(
        "models.Report", related_name="ledger_entries", null=True, on_delete=fields.RESTRICT
    )
    actor = fields.ForeignKeyField(
        "models.User", related_name="ledger_actions", null=True, on_delete=fields.SET_NULL
    )
    reason = fields.TextField(default="")
    # Payout reference (bank transfer or voucher number), unique within a jurisdiction.
    reference = fields.CharField(max_length=128, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "points_ledger"
        # A report has at most one award and at most one revoking adjustment.
        # NULL report ids (payouts, free adjustments) never collide.
        unique_together = (("report_id", "kind"), ("jurisdiction_id", "reference"))
        indexes = (
            ("courier_id", "created_at"),
            ("jurisdiction_id", "kind", "created_at"),
            # Leaderboards exclude revoked awards: the ADJUSTMENT rows that carry a report id.
            ("kind", "report_id"),
        )
