"""Managing webhook endpoints and replaying deliveries (admin only, within the admin's jurisdiction)."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from tortoise.transactions import in_transaction

from api import pii
from api.audit import record as audit_record
from api.auth.principal import Principal, require_role
from api.errors import FieldProblem, NotFound, ValidationFailed
from api.events import outbox
from api.models.catalogue import Department
from api.models.identity import Role
from api.models.reports import TimelineKind
from api.models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from api.webhooks import messages as _messages  # noqa: F401 - registers the message keys
from api.webhooks import signing
from api.webhooks.urls import check_url

logger = logging.getLogger(__name__)

EVENT_KINDS = frozenset(kind.value for kind in TimelineKind)


def _check_kinds(kinds: list[str]) -> list[str]:
    chosen = sorted({k.strip().upper() for k in kinds})
    if not chosen or any(k not in EVENT_KINDS for k in chosen):
        raise ValidationFailed.single("eventKinds", "WEBHOOK_EVENT_KINDS_INVALID")
    return chosen


async def create_endpoint(
    principal: Principal | None,
    *,
    url: str,
    event_kinds: list[str],
    department_id: int | None,
    description: str = "",
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; return it with its signing secret, which is shown only this once."""
    admin = require_role(principal, Role.ADMIN)
    problems: list[FieldProblem] = []
    checked_url = url
    kinds: list[str] = []
    try:
        checked_url = check_url(url)
    except ValidationFailed as error:
        problems.extend(error.problems)
    try:
        kinds = _check_kinds(event_kinds)
    except ValidationFailed as error:
        problems.extend(error.problems)
    if len(description) > 200:
        problems.append(FieldProblem("description", "WEBHOOK_DESCRIPTION_TOO_LONG"))
    if department_id is not None and not await Department.exists(id=department_id, jurisdiction_id=admin.jurisdiction_id):
        problems.append(FieldProblem("departmentId", "DEPARTMENT_UNKNOWN"))
    if problems:
        raise ValidationFailed(problems)

    secret = signing.new_secret()
    async with in_transaction():
        endpoint = await WebhookEndpoint.create(
            jurisdiction_id=admin.jurisdiction_id,
            department_id=department_id,
            url=checked_url,
            description=description.strip(),
            event_kinds=kinds,
            secret_encrypted=pii.encrypt(secret),
            start_cursor=await outbox.latest_cursor(),
            created_by_id=admin.user_id,
        )
        await audit_record(
            jurisdiction_id=admin.jurisdiction_id, actor_id=admin.user_id, action="webhook.create",
            target_type="webhook_endpoint", target_id=str(endpoint.id),
            detail={"department_id": department_id, "event_kinds": kinds},
        )
    logger.info("webhook endpoint registered", extra={"endpoint_id": endpoint.id, "department_id": department_id})
    return endpoint, secret


async def get_endpoint(principal: Principal | None, endpoint_id: int) -> WebhookEndpoint:
    admin = require_role(principal, Role.ADMIN)
    endpoint = await WebhookEndpoint.get_or_none(id=endpoint_id, jurisdiction_id=admin.jurisdiction_id)
    if endpoint is None:
        raise NotFound()
    return endpoint


async def set_active(principal: Principal | None, endpoint_id: int, active: bool) -> WebhookEndpoint:
    admin = require_role(principal, Role.ADMIN)
    async with in_transaction():
        endpoint = await get_endpoint(admin, endpoint_id)
        endpoint.active = active
        await endpoint.save(update_fields=["active", "updated_at"])
        await audit_record(
            jurisdiction_id=admin.jurisdiction_id, actor_id=admin.user_id,
            action="webhook.enable" if active else "webhook.disable",
            target_type="webhook_endpoint", target_id=str(endpoint.id), detail={},
        )
    logger.info("webhook endpoint changed", extra={"endpoint_id": endpoint.id, "active": active})
    return endpoint


async def replay_delivery(principal: Principal | None, delivery_id: int) -> WebhookDelivery:
    """Send a finished delivery (dead or succeeded) again, with a fresh attempt budget."""
    admin = require_role(principal, Role.ADMIN)
    async with in_transaction():
        delivery = await WebhookDelivery.filter(
            id=delivery_id, endpoint__jurisdiction_id=admin.jurisdiction_id
        ).select_for_update().first()
        if delivery is None:
            raise NotFound()
        if delivery.status is DeliveryStatus.PENDING:
            raise ValidationFailed.single("deliveryId", "WEBHOOK_DELIVERY_NOT_REPLAYABLE")
        _reset(delivery)
        await delivery.save()
        await audit_record(
            jurisdiction_id=admin.jurisdiction_id, actor_id=admin.user_id, action="webhook.replay",
            target_type="webhook_delivery", target_id=str(delivery.id), detail={},
        )
    logger.info("webhook delivery replayed", extra={"delivery_id": delivery.id, "endpoint_id": delivery.endpoint_id})
    _wake_worker()
    return delivery


async def replay_dead(principal: Principal | None, endpoint_id: int) -> int:
    """Replay every dead-lettered delivery of one endpoint; return how many."""
    admin = require_role(principal, Role.ADMIN)
    async with in_transaction():
        endpoint = await get_endpoint(admin, endpoint_id)
        dead = await WebhookDelivery.filter(endpoint_id=endpoint.id, status=DeliveryStatus.DEAD).select_for_update()
        for delivery in dead:
            _reset(delivery)
            await delivery.save()
        await audit_record(
            jurisdiction_id=admin.jurisdiction_id, actor_id=admin.user_id, action="webhook.replay_dead",
            target_type="webhook_endpoint", target_id=str(endpoint.id), detail={"count": len(dead)},
        )
    logger.info("dead webhook deliveries replayed", extra={"endpoint_id": endpoint_id, "count": len(dead)})
    _wake_worker()
    return len(dead)


def _reset(delivery: WebhookDelivery) -> None:
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = datetime.now(timezone.utc)
    delivery.dead_at = None
    delivery.replays += 1


def _wake_worker() -> None:
    from api.events import runtime

    try:
        worker = runtime.current().webhook_worker
    except RuntimeError:
        return
    if worker is not None:
        worker.wake()
