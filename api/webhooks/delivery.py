"""Sending due webhook deliveries, with exponential backoff and a dead-letter state.

A delivery is claimed by moving its next attempt time past the request
timeout in one conditional UPDATE, so two workers never send the same
attempt. A 2xx response ends it, and anything else (another status, a timeout, a
refused connection, a redirect, an address that is not public) counts as a
failed attempt. After ``webhook_max_attempts`` failures it is DEAD until an
admin replays it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from datetime import datetime, timedelta, timezone

import httpx

from api import pii
from api.config import Settings, get_settings
from api.models.webhooks import DeliveryStatus, WebhookDelivery
from api.observability import metrics
from api.webhooks import signing
from api.webhooks.urls import UnsafeDestination, check_destination

logger = logging.getLogger(__name__)

BATCH_SIZE = 20


def backoff_seconds(failed_attempts: int, settings: Settings | None = None) -> float:
    """Delay before the next attempt: base * 2^(failures - 1), capped, plus up to 10% jitter."""
    settings = settings or get_settings()
    delay = min(settings.webhook_backoff_base_seconds * 2 ** (failed_attempts - 1), settings.webhook_backoff_max_seconds)
    return delay * (1 + random.random() * 0.1)


async def deliver_due(client: httpx.AsyncClient) -> int:
    """Attempt every delivery that is due now; return how many attempts were made."""
    settings = get_settings()
    now = datetime.now(timezone.utc)
    due = await (
        WebhookDelivery.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .limit(BATCH_SIZE)
        .values_list("id", flat=True)
    )
    lease_until = now + timedelta(seconds=settings.webhook_timeout_seconds + 30)
    claimed = []
    for delivery_id in due:
        updated = await WebhookDelivery.filter(
            id=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
        ).update(next_attempt_at=lease_until)
        if updated:
            claimed.append(delivery_id)
    await asyncio.gather(*(attempt(client, delivery_id) for delivery_id in claimed))
    return len(claimed)


async def attempt(client: httpx.AsyncClient, delivery_id: int) -> DeliveryStatus:
    """Send one claimed delivery once and record the outcome."""
    settings = get_settings()
    delivery = await WebhookDelivery.get(id=delivery_id).select_related("endpoint")
    endpoint = delivery.endpoint
    status_code: int | None = None
    error = ""
    reason = "endpoint_disabled"
    started = time.monotonic()
    if not endpoint.active:
        error = "endpoint disabled"
    else:
        try:
            await check_destination(endpoint.url, settings)
            timestamp = int(time.time())
            secret = pii.decrypt(endpoint.secret_encrypted)
            message_id = f"msg_{delivery.event_id}_{endpoint.id}"
            response = await client.post(
                endpoint.url,
                content=delivery.body.encode(),
                headers=signing.headers(secret, message_id, timestamp, delivery.body),
                timeout=settings.webhook_timeout_seconds,
            )
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}"
                reason = "http_status"
        except UnsafeDestination as failure:
            error = str(failure)
            reason = "unsafe_destination"
        except httpx.TimeoutException as failure:
            error = f"timed out: {failure}"
            reason = "timeout"
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"
            reason = "connection"
        metrics.record_webhook_delivery("report." + delivery.event_kind.lower(), failure_reason=reason if error else None)

    now = datetime.now(timezone.utc)
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = status_code
    delivery.last_error = error[:300]
    if not error:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif delivery.attempts >= settings.webhook_max_attempts or not endpoint.active:
        delivery.status = DeliveryStatus.DEAD
        delivery.dead_at = now
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = now + timedelta(seconds=backoff_seconds(delivery.attempts, settings))
    await delivery.save()

    fields = {
        "delivery_id": delivery.id, "endpoint_id": endpoint.id, "cursor": delivery.event_id,
        "attempts": delivery.attempts, "status_code": status_code,
        "duration_ms": round((time.monotonic() - started) * 1000),
    }
    if delivery.status is DeliveryStatus.SUCCEEDED:
        logger.info("webhook delivered", extra=fields)
    elif delivery.status is DeliveryStatus.DEAD:
        logger.warning("webhook delivery dead-lettered", extra={**fields, "error": delivery.last_error})
    else:
        logger.warning("webhook delivery failed; will retry", extra={**fields, "error": delivery.last_error})
    return delivery.status
