"""Audit trail of admin actions and reads of personal details."""

from tortoise import fields
from tortoise.models import Model


class AuditEntry(Model):
    id = fields.BigIntField(primary_key=True)
    jurisdiction = fields.ForeignKeyField("models.Jurisdiction", related_name="audit_entries")
    actor = fields.ForeignKeyField(
        "models.User", related_name="audit_entries", null=True, on_delete=fields.SET_NULL
    )
    action = fields.CharField(max_length=64)
    target_type = fields.CharField(max_length=64)
    target_id = fields.CharField(max_length=64)
    detail = fields.JSONField(default=dict)
    request_id = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "audit_entry"
        indexes = (("jurisdiction_id", "created_at"),)
