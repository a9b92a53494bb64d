"""Creating webhook deliveries from outbox events: one per event and endpoint.

Fan-out is a durable consumer of the outbox: its position lives in the
``event_consumer`` table and moves forward in the same transaction that
creates the deliveries, so a crash repeats nothing and loses nothing. The
consumer row is locked for the batch, so several processes take turns. Sending
is at least once: a crash between a POST and recording its result sends it
again, so receivers deduplicate by the webhook-id header.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api.events import envelope as envelopes
from api.events.envelope import Envelope
from api.events.visibility import department_viewer, jurisdiction_viewer, may_receive
from api.models.events import EventConsumer, OutboxEvent
from api.models.webhooks import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

CONSUMER_NAME = "webhooks"
BATCH_SIZE = 200


def receives(endpoint: WebhookEndpoint, item: Envelope) -> bool:
    """Return whether the endpoint subscribed to the kind and may query the report, as its department's staff could."""
    if item.cursor <= endpoint.start_cursor or item.kind not in endpoint.event_kinds:
        return False
    if endpoint.department_id is not None:
        viewer = department_viewer(endpoint.department_id, endpoint.jurisdiction_id)
    else:
        viewer = jurisdiction_viewer(endpoint.jurisdiction_id)
    return may_receive(viewer, item.audience, visible_to_reporter=item.visible_to_reporter)


def body_of(item: Envelope) -> str:
    """Serialise the delivery body: the event without its audience and without short-lived media URLs."""
    report = dict(item.report)
    report["media"] = [{"id": m["id"], "kind": m["kind"]} for m in report.get("media", [])]
    return json.dumps(
        {
            "type": "report." + item.kind.lower(),
            "timestamp": item.occurred_at.isoformat(),
            "data": {
                "cursor": str(item.cursor),
                "kind": item.kind,
                "from_status": item.from_status,
                "to_status": item.to_status,
                "comment": item.comment,
                "department": item.department,
                "detail": item.detail,
                "report": report,
            },
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


async def _consumer() -> EventConsumer:
    consumer = await EventConsumer.filter(name=CONSUMER_NAME).select_for_update().first()
    if consumer is not None:
        return consumer
    try:
        async with in_transaction():
            await EventConsumer.create(name=CONSUMER_NAME, position=0)
    except IntegrityError:
        pass  # another process created it first
    return await EventConsumer.filter(name=CONSUMER_NAME).select_for_update().get()


async def fan_out() -> int:
    """Create the deliveries of the next batch of events; return how many events were consumed."""
    async with in_transaction():
        consumer = await _consumer()
        events = await OutboxEvent.filter(id__gt=consumer.position).order_by("id").limit(BATCH_SIZE)
        if not events:
            return 0
        jurisdiction_ids = {e.jurisdiction_id for e in events}
        endpoints = await WebhookEndpoint.filter(active=True, jurisdiction_id__in=jurisdiction_ids)
        created = 0
        if endpoints:
            now = datetime.now(timezone.utc)
            deliveries = []
            for item in await envelopes.build(events, consumer.position):
                for endpoint in endpoints:
                    if endpoint.jurisdiction_id == item.audience.jurisdiction_id and receives(endpoint, item):
                        deliveries.append(
                            WebhookDelivery(
                                endpoint_id=endpoint.id, event_id=item.cursor, event_kind=item.kind,
                                body=body_of(item), next_attempt_at=now,
                            )
                        )
            if deliveries:
                await WebhookDelivery.bulk_create(deliveries)
                created = len(deliveries)
        consumer.position = events[-1].id
        await consumer.save(update_fields=["position", "updated_at"])
    if created:
        logger.info("webhook deliveries created", extra={"count": created, "cursor": consumer.position})
    return len(events)
