"""The assembled GraphQL schema: each domain adds its Query and Mutation classes here."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from api.config import get_settings
from api.errors import AppError, ErrorCode, ValidationFailed

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
from api.security.limits import QueryCostLimiter, query_cost_rule

logger = logging.getLogger("api.graphql")
unexpected_logger = logging.getLogger("api.unexpected")


def is_expected_error(error: GraphQLError) -> bool:
    """Domain failures, and errors of the document or its variables, which occur before any resolver runs."""
    original = error.original_error
    if isinstance(original, (AppError, ValidationFailed)):
        return True
    return original is None or isinstance(original, GraphQLError) or not error.path


def expected_error_code(error: GraphQLError) -> str:
    original = error.original_error
    if isinstance(original, AppError):
        return original.code
    if isinstance(original, ValidationFailed):
        return ErrorCode.BAD_USER_INPUT
    return str((error.extensions or {}).get("code", ErrorCode.BAD_USER_INPUT))


QUERIES: tuple[type, ...] = (IdentityQuery, PassQuery, MediaQuery, PointsQuery, NotificationsQuery, AuditQuery, CatalogueQuery, ReportsQuery, EventsQuery, WebhooksQuery, IntegratorQuery)
MUTATIONS: tuple[type, ...] = (IdentityMutation, PassMutation, MediaMutation, PointsMutation, NotificationsMutation, CatalogueMutation, ReportsMutation, EventsMutation, WebhooksMutation, IntegratorMutation)

Query = merge_types("Query", QUERIES)
Mutation = merge_types("Mutation", MUTATIONS)
SUBSCRIPTIONS: tuple[type, ...] = (EventsSubscription,)
Subscription = merge_types("Subscription", SUBSCRIPTIONS)


class AppSchema(strawberry.Schema):
    """The schema with our error logging: expected failures are one INFO line, the rest a traceback."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        for error in errors:
            if is_expected_error(error):
                logger.info(
                    "request failed",
                    extra={"error_code": expected_error_code(error), "path": ".".join(map(str, error.path or []))},
                )
            else:
                unexpected_logger.error("unexpected error", exc_info=error.original_error,
                                        extra={"path": ".".join(map(str, error.path or []))})


DOCUMENT_CACHE_SIZE = 256


@functools.lru_cache(maxsize=8)
def _query_cost_rule(max_depth: int, max_aliases: int) -> type:
    return query_cost_rule(max_depth=max_depth, max_aliases=max_aliases)


class _SharedRuleQueryCostLimiter(QueryCostLimiter):
    """QueryCostLimiter with one rule class per pair of limits.

    ValidationCache keys on the validation rule classes, and QueryCostLimiter
    builds a new class for every operation, which would make every lookup miss.
    """

    def __init__(self) -> None:
        settings = get_settings()
        self.rule = _query_cost_rule(settings.graphql_max_depth, settings.graphql_max_aliases)


class _ValidDocumentParserCache(ParserCache):
    """ParserCache that leaves a document with a syntax error to strawberry's own parse step.

    Raised from the extension hook, the syntax error would bypass the error
    handling that counts it in fxx_graphql_errors_total.
    """

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        try:
            context.graphql_document = self.cached_parse_document(context.query, **context.parse_options)
        except GraphQLError:
            pass
        yield


def build_schema(extensions: list | None = None) -> strawberry.Schema:
    """Build the schema; without an explicit list it runs the metrics extension and every security extension."""
    # Batching stays off: StrawberryConfig.batching_config is None, so a JSON array body is rejected.
    # MetricsExtension comes first so it wraps the others and also counts the operations they reject.
    # Parsed and validated documents are cached per query text, because clients send a few fixed
    # operations and parsing plus validation cost about a fifth of a courier's list request
    # (docs/benchmarks.md). The caches are bounded, so unique query texts cannot grow memory.
    defaults = [
        MetricsExtension,
        *(_SharedRuleQueryCostLimiter if e is QueryCostLimiter else e for e in security_extensions()),
        lambda: _ValidDocumentParserCache(maxsize=DOCUMENT_CACHE_SIZE),
        lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE),
    ]
    chosen = defaults if extensions is None else extensions
    return AppSchema(query=Query, mutation=Mutation, subscription=Subscription, extensions=chosen)


schema = build_schema()
