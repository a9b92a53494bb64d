"""Photos, videos and voice recordings that couriers upload and attach to reports."""

from enum import Enum

from tortoise import fields

from api.models.base import TimestampedModel


class MediaKind(str, Enum):
    PHOTO = "PHOTO"
    VIDEO = "VIDEO"
    AUDIO = "AUDIO"


class MediaStatus(str, Enum):
    # The slot is issued, or the upload is verified and waits for processing.
    PENDING = "PENDING"
    # The processed version is stored and may be served.
    READY = "READY"
    # The upload was rejected (wrong bytes, too large, undecodable) and its object deleted.
    FAILED = "FAILED"


class Media(TimestampedModel):
    """One uploaded file. The original object is never served, only its processed versions."""

    id = fields.UUIDField(primary_key=True)
    owner = fields.ForeignKeyField("models.User", related_name="media", on_delete=fields.RESTRICT)
    jurisdiction = fields.ForeignKeyField("models.Jurisdiction", related_name="media", on_delete=fields.RESTRICT)
    kind = fields.CharEnumField(MediaKind, max_length=8)
    content_type = fields.CharField(max_length=64)
    declared_size = fields.BigIntField()
    # Key of the uploaded original: unguessable, namespaced by jurisdiction and upload date.
    object_key = fields.CharField(max_length=255, unique=True)
    status = fields.CharEnumField(MediaStatus, max_length=8, default=MediaStatus.PENDING)
    failure_reason = fields.CharField(max_length=32, null=True)
    report = fields.ForeignKeyField("models.Report", related_name="media", null=True, on_delete=fields.SET_NULL)

    # Set once the object was found on the storage with an accepted size and type.
    uploaded_at = fields.DatetimeField(null=True)
    uploaded_size = fields.BigIntField(null=True)
    # A worker claims processing by setting this, so two replicas do not process one upload.
    processing_started_at = fields.DatetimeField(null=True)
    processed_at = fields.DatetimeField(null=True)
    display_key = fields.CharField(max_length=255, null=True)
    thumbnail_key = fields.CharField(max_length=255, null=True)
    # Pixel hash of a processed photo; the same picture on two reports is flagged for the verifier.
    content_hash = fields.CharField(max_length=64, null=True, db_index=True)

    class Meta:
        table = "media"
        indexes = (("owner_id", "created_at"), ("report_id", "created_at"), ("status", "created_at"))
