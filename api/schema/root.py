"""The assembled GraphQL schema: each domain adds its Query and Mutation classes here."""

from __future__ import annotations

import strawberry
from strawberry.tools import merge_types

from api.resolvers.audit import AuditQuery
from api.resolvers.catalogue import CatalogueMutation, CatalogueQuery
from api.resolvers.identity import IdentityMutation, IdentityQuery
from api.resolvers.integrators import IntegratorMutation, IntegratorQuery
from api.resolvers.media import MediaMutation, MediaQuery
from api.resolvers.passes import PassMutation, PassQuery
from api.resolvers.notifications import NotificationsMutation, NotificationsQuery
from api.resolvers.points import PointsMutation, PointsQuery
from api.resolvers.reports import ReportsMutation, ReportsQuery
from api.resolvers.subscriptions import EventsMutation, EventsQuery, EventsSubscription
from api.resolvers.webhooks import WebhooksMutation, WebhooksQuery
from api.observability.extension import MetricsExtension
from api.security.extensions import security_extensions

QUERIES: tuple[type, ...] = (IdentityQuery, PassQuery, MediaQuery, PointsQuery, NotificationsQuery, AuditQuery, CatalogueQuery, ReportsQuery, EventsQuery, WebhooksQuery, IntegratorQuery)
MUTATIONS: tuple[type, ...] = (IdentityMutation, PassMutation, MediaMutation, PointsMutation, NotificationsMutation, CatalogueMutation, ReportsMutation, EventsMutation, WebhooksMutation, IntegratorMutation)

Query = merge_types("Query", QUERIES)
Mutation = merge_types("Mutation", MUTATIONS)
SUBSCRIPTIONS: tuple[type, ...] = (EventsSubscription,)
Subscription = merge_types("Subscription", SUBSCRIPTIONS)


def build_schema(extensions: list | None = None) -> strawberry.Schema:
    """Build the schema; without an explicit list it runs the metrics extension and every security extension."""
    # Batching stays off: StrawberryConfig.batching_config is None, so a JSON array body is rejected.
    # MetricsExtension comes first so it wraps the others and also counts the operations they reject.
    chosen = [MetricsExtension, *security_extensions()] if extensions is None else extensions
    return strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription, extensions=chosen)


schema = build_schema()
