"""Upload slots and upload confirmation: the media operations a courier starts."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from api.auth.principal import Principal, require_principal, require_role
from api.config import get_settings
from api.errors import FieldProblem, Forbidden, NotFound, ValidationFailed
from api.media import messages  # noqa: F401 - registers the media messages
from api.media import processing
from api.media.keys import upload_key
from api.media.limits import limit_for, max_megabytes
from api.media.verify import TOO_LARGE, verify_upload
from api.models.identity import Role, UserStatus
from api.models.media import Media, MediaKind, MediaStatus
from api.storage import PresignedPost, get_storage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class UploadSlot:
    media: Media
    upload: PresignedPost


def _check_slot_request(kind: MediaKind, content_type: str, size_bytes: int) -> None:
    limit = limit_for(kind)
    problems: list[FieldProblem] = []
    if content_type not in limit.content_types:
        problems.append(FieldProblem("contentType", "MEDIA_CONTENT_TYPE_UNSUPPORTED", {"allowed": ", ".join(limit.content_types)}))
    if size_bytes <= 0:
        problems.append(FieldProblem("sizeBytes", "MEDIA_SIZE_INVALID"))
    elif size_bytes > limit.max_bytes:
        problems.append(FieldProblem("sizeBytes", "MEDIA_TOO_LARGE", {"max_mb": max_megabytes(limit.max_bytes)}))
    if problems:
        raise ValidationFailed(problems)


async def create_upload_slot(
    principal: Principal | None, *, kind: MediaKind, content_type: str, size_bytes: int
) -> UploadSlot:
    """Reserve an object key and presign a POST that accepts exactly this file, for a few minutes."""
    courier = require_role(principal, Role.COURIER)
    if courier.status is not UserStatus.ACTIVE:
        raise Forbidden("COURIER_NOT_ACTIVE")
    content_type = content_type.strip().lower()
    _check_slot_request(kind, content_type, size_bytes)

    key = upload_key(courier.jurisdiction_id)
    upload = await get_storage().presign_post(
        key=key,
        content_type=content_type,
        min_size=1,
        max_size=size_bytes,
        expires_in=get_settings().media_upload_url_seconds,
    )
    async with in_transaction():
        media = await Media.create(
            owner_id=courier.user_id,
            jurisdiction_id=courier.jurisdiction_id,
            kind=kind,
            content_type=content_type,
            declared_size=size_bytes,
            object_key=key,
        )
    logger.info(
        "upload slot created",
        extra={"media_id": str(media.id), "user_id": str(courier.user_id), "kind": kind.value, "size": size_bytes},
    )
    return UploadSlot(media=media, upload=upload)


async def complete_upload(principal: Principal | None, media_id: uuid.UUID) -> Media:
    """Check an upload on the storage now and start its processing, before the report is submitted.

    Optional for clients: attaching media to a report performs the same check.
    """
    caller = require_principal(principal)
    media = await Media.get_or_none(id=media_id, owner_id=caller.user_id)
    if media is None:
        raise NotFound()
    if media.status is not MediaStatus.PENDING or media.uploaded_at is not None:
        return media

    failure = await verify_upload(media)
    if failure is not None:
        # The messages name the attachment's position in a report. Here it is the only one.
        params: dict[str, object] = {"position": 1}
        if failure == TOO_LARGE:
            params["max_mb"] = max_megabytes(limit_for(media.kind).max_bytes)
        raise ValidationFailed([FieldProblem("id", failure, params)])
    processing.schedule(media.id)
    return media
