"""Messages to a user, kept in a list they can query and mark as read."""

from enum import Enum

from tortoise import fields
from tortoise.models import Model


class NotificationKind(str, Enum):
    POINTS_AWARDED = "POINTS_AWARDED"
    POINTS_REVOKED = "POINTS_REVOKED"
    POINTS_ADJUSTED = "POINTS_ADJUSTED"
    PAYOUT_RECORDED = "PAYOUT_RECORDED"


class Notification(Model):
    """A message stored as a message key and parameters.

    The text is rendered when read, in the language of the request that reads it.
    """

    id = fields.BigIntField(primary_key=True)
    recipient = fields.ForeignKeyField("models.User", related_name="notifications", on_delete=fields.CASCADE)
    kind = fields.CharEnumField(NotificationKind, max_length=32)
    message_key = fields.CharField(max_length=64)
    # Template parameters. A value of the form {"zh": ..., "en": ...} is picked by language.
    params = fields.JSONField(default=dict)
    report = fields.ForeignKeyField(
        "models.Report", related_name="notifications", null=True, on_delete=fields.SET_NULL
    )
    read_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "notification"
        indexes = (("recipient_id", "id"), ("recipient_id", "read_at"))
