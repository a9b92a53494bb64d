"""Admin queries and mutations of webhook endpoints and deliveries."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.auth.principal import require_role
from api.errors import NotFound, ValidationFailed
from api.models.identity import Role
from api.models.webhooks import WebhookDelivery as DeliveryModel
from api.models.webhooks import WebhookEndpoint as EndpointModel
from api.resolvers.base import context_of, parse_int_id
from api.schema.errors import user_errors
from api.schema.webhooks import (
    WebhookDeliveriesReplayPayload,
    WebhookDelivery,
    WebhookDeliveryPayload,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEndpointCreateInput,
    WebhookEndpointCreatePayload,
    WebhookEndpointPayload,
    delivery_type,
    endpoint_type,
)
from api.webhooks import service


def _id(value: strawberry.ID) -> int:
    """Parse a numeric id argument. A malformed id is as unknown as a missing one."""
    try:
        return int(str(value))
    except ValueError as error:
        raise NotFound() from error


@strawberry.type
class WebhooksQuery:
    @strawberry.field(description="Admin: the webhook endpoints of the jurisdiction.")
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpoint]:
        admin = require_role(await context_of(info).principal(), Role.ADMIN)
        rows = await EndpointModel.filter(jurisdiction_id=admin.jurisdiction_id).order_by("id")
        return [endpoint_type(row) for row in rows]

    @strawberry.field(description="Admin: deliveries of one endpoint, newest first, optionally of one status.")
    async def webhook_deliveries(
        self, info: Info, endpoint_id: strawberry.ID, status: WebhookDeliveryStatus | None = None, first: int = 50
    ) -> list[WebhookDelivery]:
        endpoint = await service.get_endpoint(await context_of(info).principal(), _id(endpoint_id))
        query = DeliveryModel.filter(endpoint_id=endpoint.id)
        if status is not None:
            query = query.filter(status=status)
        rows = await query.order_by("-id").limit(max(1, min(first, 200)))
        return [delivery_type(row) for row in rows]


@strawberry.type
class WebhooksMutation:
    @strawberry.mutation(description="Admin: register an HTTPS endpoint for a department or an integrator.")
    async def webhook_endpoint_create(self, info: Info, input: WebhookEndpointCreateInput) -> WebhookEndpointCreatePayload:
        context = context_of(info)
        try:
            department_id = parse_int_id(input.department_id, "departmentId", "DEPARTMENT_UNKNOWN")
            endpoint, secret = await service.create_endpoint(
                await context.principal(), url=input.url, event_kinds=[k.value for k in input.event_kinds],
                department_id=department_id, description=input.description,
            )
        except ValidationFailed as error:
            return WebhookEndpointCreatePayload(errors=user_errors(error, context.language))
        return WebhookEndpointCreatePayload(endpoint=endpoint_type(endpoint), signing_secret=secret)

    @strawberry.mutation(description="Admin: stop or resume deliveries to an endpoint.")
    async def webhook_endpoint_set_active(self, info: Info, id: strawberry.ID, active: bool) -> WebhookEndpointPayload:
        endpoint = await service.set_active(await context_of(info).principal(), _id(id), active)
        return WebhookEndpointPayload(endpoint=endpoint_type(endpoint))

    @strawberry.mutation(description="Admin: send a dead or delivered event again, with a fresh attempt budget.")
    async def webhook_delivery_replay(self, info: Info, id: strawberry.ID) -> WebhookDeliveryPayload:
        context = context_of(info)
        try:
            delivery = await service.replay_delivery(await context.principal(), _id(id))
        except ValidationFailed as error:
            return WebhookDeliveryPayload(errors=user_errors(error, context.language))
        return WebhookDeliveryPayload(delivery=delivery_type(delivery))

    @strawberry.mutation(description="Admin: replay every dead-lettered delivery of an endpoint.")
    async def webhook_deliveries_replay_dead(
        self, info: Info, endpoint_id: strawberry.ID
    ) -> WebhookDeliveriesReplayPayload:
        count = await service.replay_dead(await context_of(info).principal(), _id(endpoint_id))
        return WebhookDeliveriesReplayPayload(replayed=count)
