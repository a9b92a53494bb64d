"""Queries and mutations of the caller's notifications list."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.errors import ValidationFailed
from api.notifications import service
from api.resolvers.base import context_of, parse_int_id
from api.schema.errors import user_errors
from api.schema.notifications import Notification, NotificationsMarkReadPayload, notification_type


@strawberry.type
class NotificationsQuery:
    @strawberry.field(description="The caller's notifications, newest first; `before` is the last id already seen.")
    async def notifications(
        self, info: Info, unread_only: bool = False, first: int = 20, before: strawberry.ID | None = None
    ) -> list[Notification]:
        context = context_of(info)
        notifications = await service.list_own(
            await context.principal(),
            unread_only=unread_only,
            first=first,
            before=parse_int_id(before, "before", "BAD_USER_INPUT"),
        )
        return [notification_type(n, context.language) for n in notifications]

    @strawberry.field(description="How many of the caller's notifications are unread.")
    async def notifications_unread_count(self, info: Info) -> int:
        return await service.count_unread(await context_of(info).principal())


@strawberry.type
class NotificationsMutation:
    @strawberry.mutation(description="Mark the caller's notifications as read: the given ids, or all unread ones.")
    async def notifications_mark_read(
        self, info: Info, ids: list[strawberry.ID] | None = None
    ) -> NotificationsMarkReadPayload:
        context = context_of(info)
        try:
            numbers = [parse_int_id(value, "ids", "BAD_USER_INPUT") for value in ids] if ids is not None else None
        except ValidationFailed as error:
            return NotificationsMarkReadPayload(errors=user_errors(error, context.language))
        count = await service.mark_read(await context.principal(), numbers)  # type: ignore[arg-type]
        return NotificationsMarkReadPayload(count=count)
