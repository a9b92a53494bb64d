"""The event outbox, durable positions of its consumers, and emergency acknowledgements."""

from tortoise import fields
from tortoise.models import Model

from api.models.reports import ReportStatus, TimelineKind


class OutboxEvent(Model):
    """One report change, written in the transaction of the change. The id is the event cursor."""

    id = fields.BigIntField(primary_key=True)
    jurisdiction = fields.ForeignKeyField("models.Jurisdiction", related_name="events")
    report = fields.ForeignKeyField("models.Report", related_name="events")
    # Copied from the report so a courier's replay reads only their own events.
    reporter_id = fields.UUIDField(null=True)
    timeline_entry = fields.ForeignKeyField(
        "models.TimelineEntry", related_name="events", null=True, on_delete=fields.SET_NULL
    )
    kind = fields.CharEnumField(TimelineKind, max_length=32)
    department_id = fields.IntField(null=True)
    comment = fields.TextField(default="")
    visible_to_reporter = fields.BooleanField(default=True)
    from_status = fields.CharEnumField(ReportStatus, max_length=16, null=True)
    to_status = fields.CharEnumField(ReportStatus, max_length=16, null=True)
    detail = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "event_outbox"
        indexes = (("jurisdiction_id", "id"), ("reporter_id", "id"))


class EventConsumer(Model):
    """How far a durable consumer of the outbox (such as webhook fan-out) has read."""

    name = fields.CharField(max_length=64, primary_key=True)
    position = fields.BigIntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "event_consumer"


class EmergencyAcknowledgement(Model):
    """A department confirming it sent help to an emergency, with the ETA and its response time."""

    id = fields.BigIntField(primary_key=True)
    report = fields.ForeignKeyField("models.Report", related_name="acknowledgements")
    jurisdiction = fields.ForeignKeyField("models.Jurisdiction", related_name="acknowledgements")
    department = fields.ForeignKeyField("models.Department", related_name="acknowledgements")
    actor = fields.ForeignKeyField(
        "models.User", related_name="acknowledgements", null=True, on_delete=fields.SET_NULL
    )
    eta_minutes = fields.IntField()
    comment = fields.TextField(default="")
    submitted_at = fields.DatetimeField()
    acknowledged_at = fields.DatetimeField()
    # Whole seconds from submission to acknowledgement.
    response_seconds = fields.IntField()

    class Meta:
        table = "emergency_acknowledgement"
        unique_together = (("report_id", "department_id"),)
        indexes = (("jurisdiction_id", "acknowledged_at"), ("department_id", "acknowledged_at"))
