"""GraphQL types of webhook endpoints and their deliveries."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.models.webhooks import DeliveryStatus as DeliveryStatusModel
from api.models.webhooks import WebhookDelivery as DeliveryModel
from api.models.webhooks import WebhookEndpoint as EndpointModel
from api.schema.errors import UserError
from api.schema.reports import TimelineKind

WebhookDeliveryStatus = strawberry.enum(
    DeliveryStatusModel, name="WebhookDeliveryStatus", description="DEAD deliveries failed every attempt and wait for a replay."
)


@strawberry.type(description="An HTTPS endpoint that receives signed POSTs of report events.")
class WebhookEndpoint:
    id: strawberry.ID
    url: str
    description: str
    department_id: strawberry.ID | None = strawberry.field(
        description="The department whose reports it receives; null for a jurisdiction-wide integrator."
    )
    event_kinds: list[TimelineKind]
    active: bool
    created_at: datetime


@strawberry.type(description="One event sent, or to be sent, to one endpoint.")
class WebhookDelivery:
    id: strawberry.ID
    endpoint_id: strawberry.ID
    cursor: str = strawberry.field(description="Cursor of the delivered event.")
    event_kind: TimelineKind
    status: WebhookDeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    delivered_at: datetime | None
    dead_at: datetime | None
    replays: int


@strawberry.input
class WebhookEndpointCreateInput:
    url: str = strawberry.field(description="An https:// URL of a public host.")
    event_kinds: list[TimelineKind]
    department_id: strawberry.ID | None = None
    description: str = ""


@strawberry.type
class WebhookEndpointCreatePayload:
    endpoint: WebhookEndpoint | None = None
    signing_secret: str | None = strawberry.field(
        default=None,
        description="Secret of the webhook-signature HMAC (Standard Webhooks v1). Shown only in this response.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class WebhookEndpointPayload:
    endpoint: WebhookEndpoint | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class WebhookDeliveryPayload:
    delivery: WebhookDelivery | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class WebhookDeliveriesReplayPayload:
    replayed: int = 0
    errors: list[UserError] = strawberry.field(default_factory=list)


def endpoint_type(model: EndpointModel) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=strawberry.ID(str(model.id)),
        url=model.url,
        description=model.description,
        department_id=strawberry.ID(str(model.department_id)) if model.department_id is not None else None,
        event_kinds=[TimelineKind(k) for k in model.event_kinds],
        active=model.active,
        created_at=model.created_at,
    )


def delivery_type(model: DeliveryModel) -> WebhookDelivery:
    return WebhookDelivery(
        id=strawberry.ID(str(model.id)),
        endpoint_id=strawberry.ID(str(model.endpoint_id)),
        cursor=str(model.event_id),
        event_kind=TimelineKind(model.event_kind),
        status=model.status,
        attempts=model.attempts,
        next_attempt_at=model.next_attempt_at,
        last_attempt_at=model.last_attempt_at,
        last_status_code=model.last_status_code,
        last_error=model.last_error,
        delivered_at=model.delivered_at,
        dead_at=model.dead_at,
        replays=model.replays,
    )
