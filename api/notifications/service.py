"""Storing, listing, rendering and marking notifications.

A notification stores a message key and its parameters, not text, so the same
notification renders in Chinese or English by the Accept-Language of the request that reads it.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timezone

from api.auth.principal import Principal, require_principal
from api.i18n import Language, translate
from api.models.notifications import Notification, NotificationKind

logger = logging.getLogger(__name__)

MAX_PAGE = 100


def localised_param(zh: str, en: str) -> dict[str, str]:
    """A parameter whose value depends on the reader's language, such as a department name."""
    return {"zh": zh, "en": en}


async def notify(
    *,
    recipient_id: uuid.UUID,
    kind: NotificationKind,
    message_key: str,
    params: dict[str, object],
    report_id: uuid.UUID | None = None,
    created_at: datetime | None = None,
) -> Notification:
    """Store a notification. Call it inside the transaction of the change it announces."""
    notification = await Notification.create(
        recipient_id=recipient_id,
        kind=kind,
        message_key=message_key,
        params=params,
        report_id=report_id,
        created_at=created_at or datetime.now(timezone.utc),
    )
    logger.info(
        "notification stored",
        extra={"notification_id": notification.id, "recipient_id": str(recipient_id), "kind": kind.value},
    )
    return notification


def render(notification: Notification, language: Language) -> str:
    """The notification's text in a language."""
    params: dict[str, object] = {}
    for key, value in (notification.params or {}).items():
        if isinstance(value, dict) and "zh" in value and "en" in value:
            value = value["en"] if language is Language.EN else value["zh"]
        params[key] = value
    return translate(notification.message_key, language, **params)


async def list_own(
    actor: Principal | None, *, unread_only: bool = False, first: int = 20, before: int | None = None
) -> list[Notification]:
    """The caller's notifications, newest first; `before` is the id of the last one already seen."""
    principal = require_principal(actor)
    query = Notification.filter(recipient_id=principal.user_id)
    if unread_only:
        query = query.filter(read_at=None)
    if before is not None:
        query = query.filter(id__lt=before)
    return await query.order_by("-id").limit(max(1, min(first, MAX_PAGE)))


async def count_unread(actor: Principal | None) -> int:
    principal = require_principal(actor)
    return await Notification.filter(recipient_id=principal.user_id, read_at=None).count()


async def mark_read(actor: Principal | None, ids: list[int] | None) -> int:
    """Mark the caller's notifications as read (all unread ones when ids is None); return how many changed.

    Ids of other users' notifications are ignored, as if they did not exist.
    """
    principal = require_principal(actor)
    query = Notification.filter(recipient_id=principal.user_id, read_at=None)
    if ids is not None:
        query = query.filter(id__in=ids)
    changed = await query.update(read_at=datetime.now(timezone.utc))
    return changed
