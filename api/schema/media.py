"""GraphQL types of media: upload slots, limits and media with short-lived URLs."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.media.access import presigned_urls
from api.media.limits import KindLimit
from api.models.media import Media as MediaModel
from api.models.media import MediaKind as MediaKindModel
from api.models.media import MediaStatus as MediaStatusModel
from api.schema.errors import UserError
from api.storage import PresignedPost

MediaKind = strawberry.enum(MediaKindModel, name="MediaKind")
MediaStatus = strawberry.enum(
    MediaStatusModel, name="MediaStatus", description="PENDING until the upload is checked and processed."
)


@strawberry.type(description="Upload limits of one media kind, to check a file before asking for a slot.")
class MediaKindLimit:
    kind: MediaKind
    max_bytes: int
    content_types: list[str]


@strawberry.type(description="One form field of a presigned POST, sent before the file field.")
class FormField:
    name: str
    value: str


@strawberry.type(
    description="A presigned POST: send a multipart form to url with every field below and the file "
    "last under fileField. The storage rejects any other key, content type or size, and any upload after expiresAt."
)
class PresignedUpload:
    url: str
    fields: list[FormField]
    file_field: str
    expires_at: datetime


@strawberry.type(description="A photo, video or voice recording. URLs are present only when the media is READY.")
class Media:
    id: strawberry.ID
    kind: MediaKind
    content_type: str
    size_bytes: int
    status: MediaStatus
    created_at: datetime
    display_url: str | None = strawberry.field(description="Presigned GET of the processed photo, video or audio.")
    thumbnail_url: str | None = strawberry.field(description="Presigned GET of a photo's thumbnail.")
    urls_expire_at: datetime | None


@strawberry.input(description="The file a courier is about to upload.")
class MediaUploadCreateInput:
    kind: MediaKind
    content_type: str = strawberry.field(description="MIME type, one of mediaLimits.contentTypes of the kind.")
    size_bytes: int = strawberry.field(description="Exact size of the file in bytes.")


@strawberry.type
class MediaUploadCreatePayload:
    media: Media | None = None
    upload: PresignedUpload | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class MediaPayload:
    media: Media | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def kind_limit_type(limit: KindLimit) -> MediaKindLimit:
    return MediaKindLimit(kind=limit.kind, max_bytes=limit.max_bytes, content_types=list(limit.content_types))


def presigned_upload_type(upload: PresignedPost) -> PresignedUpload:
    return PresignedUpload(
        url=upload.url,
        fields=[FormField(name=name, value=value) for name, value in upload.fields.items()],
        file_field=upload.file_field,
        expires_at=upload.expires_at,
    )


async def media_type(media: MediaModel) -> Media:
    """Build the GraphQL view of media that the caller may read (checked by api.media.access.may_read)."""
    urls = await presigned_urls(media)
    return Media(
        id=strawberry.ID(str(media.id)),
        kind=media.kind,
        content_type=media.content_type,
        size_bytes=media.uploaded_size or media.declared_size,
        status=media.status,
        created_at=media.created_at,
        display_url=urls.display if urls else None,
        thumbnail_url=urls.thumbnail if urls else None,
        urls_expire_at=urls.expires_at if urls else None,
    )


async def report_media(report_id: object) -> list[Media]:
    """Media attached to a report, oldest first. Call only for a report the caller may see."""
    rows = await MediaModel.filter(report_id=report_id).order_by("created_at", "id")
    return [await media_type(row) for row in rows]
