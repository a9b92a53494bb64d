"""Integrator clients: third-party systems that call the API with client credentials."""

from enum import Enum

from tortoise import fields
from tortoise.models import Model

from api.models.base import TimestampedModel


class IntegratorScope(str, Enum):
    # Read reports of the client's granted categories (Open311 GET requests).
    REPORTS_READ = "reports:read"
    # File reports through Open311 POST requests.
    REPORTS_SUBMIT = "reports:submit"
    # Receive webhook pushes of report events.
    WEBHOOKS_RECEIVE = "webhooks:receive"


class IntegratorClient(TimestampedModel):
    """A client of one jurisdiction, for example a department's own case system.

    Only an argon2 hash of the secret is stored. The secret itself is shown once,
    when the client is created or its secret rotated.
    """

    id = fields.UUIDField(primary_key=True)
    jurisdiction = fields.ForeignKeyField("models.Jurisdiction", related_name="integrator_clients")
    client_id = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=100)
    secret_hash = fields.CharField(max_length=255)
    # Raised by every rotation, so access tokens issued under an older secret stop working.
    secret_version = fields.IntField(default=1)
    # IntegratorScope values.
    scopes = fields.JSONField(default=list)
    department = fields.ForeignKeyField(
        "models.Department", related_name="integrator_clients", null=True, on_delete=fields.SET_NULL
    )
    # Categories whose reports the client may read.
    categories = fields.ManyToManyField(
        "models.Category", related_name="integrator_clients", through="integrator_client_category"
    )
    created_by = fields.ForeignKeyField(
        "models.User", related_name="integrator_clients_created", null=True, on_delete=fields.SET_NULL
    )
    revoked_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "integrator_client"


class IntegratorReport(Model):
    """A report filed by an integrator client. Such reports have no reporter and earn no points."""

    id = fields.BigIntField(primary_key=True)
    report = fields.OneToOneField("models.Report", related_name="integrator_source")
    client = fields.ForeignKeyField("models.IntegratorClient", related_name="reports", on_delete=fields.RESTRICT)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "integrator_report"
