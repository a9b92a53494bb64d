"""Recording audit entries for admin actions and reads of personal details."""

from __future__ import annotations

import logging
import uuid

from api.models.audit import AuditEntry
from api.request_context import current_request_id

logger = logging.getLogger(__name__)


async def record(
    *,
    jurisdiction_id: int,
    actor_id: uuid.UUID | None,
    action: str,
    target_type: str,
    target_id: object,
    detail: dict | None = None,
) -> None:
    await AuditEntry.create(
        jurisdiction_id=jurisdiction_id,
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        detail=detail or {},
        request_id=current_request_id(),
    )
    logger.info(
        "audit",
        extra={"action": action, "target_type": target_type, "target_id": str(target_id),
               "actor_id": str(actor_id) if actor_id else None},
    )
