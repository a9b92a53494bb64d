"""Webhook endpoints of departments and integrators, and the deliveries made to them."""

from enum import Enum

from tortoise import fields

from api.models.base import TimestampedModel


class WebhookEndpoint(TimestampedModel):
    """An HTTPS endpoint that receives signed POSTs for the event kinds it subscribed to.

    With a department the endpoint receives what that department's staff may query,
    without one it receives every event of the jurisdiction (an integrator trusted by the admin).
    """

    id = fields.IntField(primary_key=True)
    jurisdiction = fields.ForeignKeyField("models.Jurisdiction", related_name="webhook_endpoints")
    department = fields.ForeignKeyField(
        "models.Department", related_name="webhook_endpoints", null=True, on_delete=fields.CASCADE
    )
    url = fields.CharField(max_length=2048)
    description = fields.CharField(max_length=200, default="")
    # Timeline kinds (SUBMITTED, DISPATCHED and so on) this endpoint receives.
    event_kinds = fields.JSONField(default=list)
    # Signing secret, encrypted with the data encryption key.
    secret_encrypted = fields.TextField()
    active = fields.BooleanField(default=True)
    # The newest event cursor when the endpoint was registered. Only later events are delivered.
    start_cursor = fields.BigIntField(default=0)
    created_by = fields.ForeignKeyField(
        "models.User", related_name="webhook_endpoints", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "webhook_endpoint"
        indexes = (("jurisdiction_id", "active"),)


class DeliveryStatus(str, Enum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    # Every attempt failed. An admin may replay it.
    DEAD = "DEAD"


class WebhookDelivery(TimestampedModel):
    """One event for one endpoint, retried with exponential backoff until it succeeds or dies."""

    id = fields.BigIntField(primary_key=True)
    endpoint = fields.ForeignKeyField("models.WebhookEndpoint", related_name="deliveries", on_delete=fields.CASCADE)
    event = fields.ForeignKeyField("models.OutboxEvent", related_name="deliveries")
    event_kind = fields.CharField(max_length=32)
    # The exact JSON body that is signed and sent on every attempt, replays included.
    body = fields.TextField()
    status = fields.CharEnumField(DeliveryStatus, max_length=16, default=DeliveryStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    last_attempt_at = fields.DatetimeField(null=True)
    last_status_code = fields.IntField(null=True)
    last_error = fields.CharField(max_length=300, default="")
    delivered_at = fields.DatetimeField(null=True)
    dead_at = fields.DatetimeField(null=True)
    replays = fields.IntField(default=0)

    class Meta:
        table = "webhook_delivery"
        unique_together = (("endpoint_id", "event_id"),)
        indexes = (("status", "next_attempt_at"), ("endpoint_id", "status", "id"))
