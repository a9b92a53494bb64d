"""Courier QR passes: the log of gate verifications and the revocations of passes."""

from enum import Enum

from tortoise import fields
from tortoise.models import Model


class PassVerificationResult(str, Enum):
    VALID = "VALID"
    # Not a pass code of ours: wrong prefix, bad encoding, wrong length or unknown format version.
    MALFORMED = "MALFORMED"
    # Signed by an unknown key, or the signature does not match the content.
    BAD_SIGNATURE = "BAD_SIGNATURE"
    EXPIRED = "EXPIRED"
    COURIER_SUSPENDED = "COURIER_SUSPENDED"
    COURIER_NOT_APPROVED = "COURIER_NOT_APPROVED"
    REVOKED = "REVOKED"
    # The gate's community is not one of the gatekeeper's, or not in the courier's jurisdiction.
    WRONG_JURISDICTION = "WRONG_JURISDICTION"


class PassVerification(Model):
    """One online check of a pass by a gatekeeper, valid or not.

    The courier and pass id are filled only when the signature was verified,
    so an entry never names a courier on the strength of unsigned content.
    """

    id = fields.BigIntField(primary_key=True)
    jurisdiction = fields.ForeignKeyField("models.Jurisdiction", related_name="pass_verifications")
    gatekeeper = fields.ForeignKeyField(
        "models.User", related_name="pass_verifications_made", on_delete=fields.RESTRICT
    )
    community = fields.ForeignKeyField(
        "models.Community", related_name="pass_verifications", null=True, on_delete=fields.SET_NULL
    )
    courier = fields.ForeignKeyField(
        "models.User", related_name="pass_verifications", null=True, on_delete=fields.SET_NULL
    )
    pass_id = fields.CharField(max_length=32, null=True)
    result = fields.CharEnumField(PassVerificationResult, max_length=32)
    request_id = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "pass_verification"
        indexes = (("jurisdiction_id", "created_at"), ("courier_id", "created_at"))


class PassRevocation(Model):
    """A revocation of every pass a courier holds at that moment.

    Each revocation raises the courier's pass generation by one. A pass carries
    the generation it was issued under and is revoked once a later one exists.
    """

    id = fields.BigIntField(primary_key=True)
    jurisdiction = fields.ForeignKeyField("models.Jurisdiction", related_name="pass_revocations")
    courier = fields.ForeignKeyField("models.User", related_name="pass_revocations")
    generation = fields.IntField()
    revoked_by = fields.ForeignKeyField(
        "models.User", related_name="pass_revocations_made", null=True, on_delete=fields.SET_NULL
    )
    reason = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "pass_revocation"
        unique_together = (("courier_id", "generation"),)
