"""Queries and mutations for media uploads and reads."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.errors import ValidationFailed
from api.media import access, service
from api.media.limits import kind_limits
from api.resolvers.base import context_of, parse_uuid
from api.schema.errors import user_errors
from api.schema.media import (
    Media,
    MediaKindLimit,
    MediaPayload,
    MediaUploadCreateInput,
    MediaUploadCreatePayload,
    kind_limit_type,
    media_type,
    presigned_upload_type,
)


@strawberry.type
class MediaQuery:
    @strawberry.field(description="Upload limits by media kind: largest size and accepted content types.")
    def media_limits(self) -> list[MediaKindLimit]:
        return [kind_limit_type(limit) for limit in kind_limits().values()]

    @strawberry.field(description="One media item: the uploader's own, or attached to a report the caller may see.")
    async def media(self, info: Info, id: strawberry.ID) -> Media:
        context = context_of(info)
        row = await access.get_readable(await context.principal(), parse_uuid(id))
        return await media_type(row)


@strawberry.type
class MediaMutation:
    @strawberry.mutation(description="Courier: reserve an upload slot and get a presigned POST for one file.")
    async def media_upload_create(self, info: Info, input: MediaUploadCreateInput) -> MediaUploadCreatePayload:
        context = context_of(info)
        try:
            slot = await service.create_upload_slot(
                await context.principal(), kind=input.kind, content_type=input.content_type, size_bytes=input.size_bytes
            )
        except ValidationFailed as error:
            return MediaUploadCreatePayload(errors=user_errors(error, context.language))
        return MediaUploadCreatePayload(media=await media_type(slot.media), upload=presigned_upload_type(slot.upload))

    @strawberry.mutation(
        description="Courier: check an upload on the storage and start processing it. "
        "Optional: attaching the media to a report performs the same check."
    )
    async def media_upload_complete(self, info: Info, id: strawberry.ID) -> MediaPayload:
        context = context_of(info)
        try:
            row = await service.complete_upload(await context.principal(), parse_uuid(id))
        except ValidationFailed as error:
            return MediaPayload(errors=user_errors(error, context.language))
        return MediaPayload(media=await media_type(row))
