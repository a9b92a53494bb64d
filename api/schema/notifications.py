"""GraphQL types of the notifications list."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.i18n import Language
from api.models.notifications import Notification as NotificationModel
from api.models.notifications import NotificationKind as NotificationKindModel
from api.notifications.service import render
from api.schema.errors import UserError

NotificationKind = strawberry.enum(NotificationKindModel, name="NotificationKind")


@strawberry.type(description="A message to the caller, in the language of the request.")
class Notification:
    id: strawberry.ID
    kind: NotificationKind
    message: str
    report_id: strawberry.ID | None
    created_at: datetime
    read_at: datetime | None


@strawberry.type
class NotificationsMarkReadPayload:
    count: int = strawberry.field(default=0, description="How many notifications changed from unread to read.")
    errors: list[UserError] = strawberry.field(default_factory=list)


def notification_type(notification: NotificationModel, language: Language) -> Notification:
    return Notification(
        id=strawberry.ID(str(notification.id)),
        kind=notification.kind,
        message=render(notification, language),
        report_id=strawberry.ID(str(notification.report_id)) if notification.report_id else None,
        created_at=notification.created_at,
        read_at=notification.read_at,
    )
