"""Reports, where they were sent, their timelines and possible duplicates."""

from enum import Enum

from tortoise import fields

from api.models.base import TimestampedModel


class ReportStatus(str, Enum):
    SUBMITTED = "SUBMITTED"
    TRIAGE = "TRIAGE"
    DISPATCHED = "DISPATCHED"
    ACCEPTED = "ACCEPTED"
    RESOLVED = "RESOLVED"
    REJECTED = "REJECTED"
    CLOSED = "CLOSED"
    DUPLICATE = "DUPLICATE"


class ReportSource(str, Enum):
    COURIER = "COURIER"
    INTEGRATOR = "INTEGRATOR"


class CoordinateSystem(str, Enum):
    WGS84 = "WGS84"
    GCJ02 = "GCJ02"
    BD09 = "BD09"


class TriageReason(str, Enum):
    OTHER_CATEGORY = "OTHER_CATEGORY"
    OUTSIDE_COMMUNITIES = "OUTSIDE_COMMUNITIES"
    NO_DEPARTMENT = "NO_DEPARTMENT"
    HANDED_BACK = "HANDED_BACK"


class Report(TimestampedModel):
    id = fields.UUIDField(primary_key=True)
    jurisdiction = fields.ForeignKeyField("models.Jurisdiction", related_name="reports")
    source = fields.CharEnumField(ReportSource, max_length=16, default=ReportSource.COURIER)
    reporter = fields.ForeignKeyField("models.User", related_name="reports", null=True, on_delete=fields.RESTRICT)
    category = fields.ForeignKeyField("models.Category", related_name="reports", on_delete=fields.RESTRICT)
    other_text = fields.CharField(max_length=200, null=True)
    description = fields.TextField(default="")
    status = fields.CharEnumField(ReportStatus, max_length=16, default=ReportStatus.SUBMITTED)
    triage_reason = fields.CharEnumField(TriageReason, max_length=32, null=True)

    # Stored location is WGS-84; the submitted point and its system are kept as sent.
    latitude = fields.FloatField()
    longitude = fields.FloatField()
    accuracy_m = fields.FloatField(null=True)
    submitted_latitude = fields.FloatField()
    submitted_longitude = fields.FloatField()
    submitted_coordinate_system = fields.CharEnumField(CoordinateSystem, max_length=8)
    address = fields.CharField(max_length=300, null=True)
    community = fields.ForeignKeyField(
        "models.Community", related_name="reports", null=True, on_delete=fields.SET_NULL
    )
    outside_communities = fields.BooleanField(default=False)

    due_at = fields.DatetimeField(null=True)
    dispatched_at = fields.DatetimeField(null=True)
    accepted_at = fields.DatetimeField(null=True)
    resolved_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    duplicate_of = fields.ForeignKeyField(
        "models.Report", related_name="duplicates", null=True, on_delete=fields.SET_NULL
    )

    # A retried submission with the same key returns the same report.
    idempotency_key = fields.CharField(max_length=128, null=True)
    request_fingerprint = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "report"
        unique_together = (("reporter_id", "idempotency_key"),)
        indexes = (
            ("reporter_id", "created_at"),
            ("jurisdiction_id", "status", "created_at"),
            ("jurisdiction_id", "category_id", "created_at"),
        )


class DispatchRole(str, Enum):
    # The department granted the report's category.
    OWNER = "OWNER"
    # The community whose area contains the report's location.
    COMMUNITY = "COMMUNITY"


class ReportDispatch(TimestampedModel):
    """A department's access to a report. An inactive row keeps the history of a re-route."""

    id = fields.BigIntField(primary_key=True)
    report = fields.ForeignKeyField("models.Report", related_name="dispatches")
    department = fields.ForeignKeyField("models.Department", related_name="dispatches")
    role = fields.CharEnumField(DispatchRole, max_length=16)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "report_dispatch"
        indexes = (("department_id", "active", "created_at"), ("report_id", "active"))


class TimelineKind(str, Enum):
    SUBMITTED = "SUBMITTED"
    TRIAGED = "TRIAGED"
    DISPATCHED = "DISPATCHED"
    ACCEPTED = "ACCEPTED"
    REPLIED = "REPLIED"
    NOTE = "NOTE"
    RESOLVED = "RESOLVED"
    REJECTED = "REJECTED"
    HANDED_BACK = "HANDED_BACK"
    REROUTED = "REROUTED"
    CLASSIFIED = "CLASSIFIED"
    DUPLICATE_SUSPECTED = "DUPLICATE_SUSPECTED"
    DUPLICATE_CONFIRMED = "DUPLICATE_CONFIRMED"
    DUPLICATE_DISMISSED = "DUPLICATE_DISMISSED"
    REOPENED = "REOPENED"
    VERIFIED = "VERIFIED"
    POINTS_AWARDED = "POINTS_AWARDED"
    POINTS_REVOKED = "POINTS_REVOKED"
    ACKNOWLEDGED = "ACKNOWLEDGED"


class TimelineEntry(TimestampedModel):
    """One step in a report's history: who did what, when, with what comment."""

    id = fields.BigIntField(primary_key=True)
    report = fields.ForeignKeyField("models.Report", related_name="timeline")
    kind = fields.CharEnumField(TimelineKind, max_length=32)
    actor = fields.ForeignKeyField("models.User", related_name="timeline_entries", null=True, on_delete=fields.SET_NULL)
    department = fields.ForeignKeyField(
        "models.Department", related_name="timeline_entries", null=True, on_delete=fields.SET_NULL
    )
    comment = fields.TextField(default="")
    # Internal notes are never shown to the reporter.
    visible_to_reporter = fields.BooleanField(default=True)
    from_status = fields.CharEnumField(ReportStatus, max_length=16, null=True)
    to_status = fields.CharEnumField(ReportStatus, max_length=16, null=True)
    detail = fields.JSONField(default=dict)

    class Meta:
        table = "report_timeline"
        indexes = (("report_id", "created_at"),)


class DuplicateLinkStatus(str, Enum):
    POSSIBLE = "POSSIBLE"
    CONFIRMED = "CONFIRMED"
    DISMISSED = "DISMISSED"


class DuplicateLink(TimestampedModel):
    id = fields.BigIntField(primary_key=True)
    report = fields.ForeignKeyField("models.Report", related_name="duplicate_links")
    original = fields.ForeignKeyField("models.Report", related_name="duplicate_candidates")
    distance_m = fields.FloatField()
    status = fields.CharEnumField(DuplicateLinkStatus, max_length=16, default=DuplicateLinkStatus.POSSIBLE)
    decided_by = fields.ForeignKeyField("models.User", related_name="duplicate_decisions", null=True, on_delete=fields.SET_NULL)
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "report_duplicate_link"
        unique_together = (("report_id", "original_id"),)
