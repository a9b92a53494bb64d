"""Prometheus metrics of the service and the ``/metrics`` endpoint that exposes them.

Every metric name starts with ``fxx_``. Other modules record through the
objects and helpers below, for example::

    from api.observability import metrics

    metrics.SUBSCRIPTIONS_OPEN.inc()          # a subscription started
    metrics.observe_event_lag("report.status_changed", published_at)
    metrics.record_webhook_delivery("report.created", failure_reason="timeout")

With several worker processes (``fengxingxia serve --workers N``) set
PROMETHEUS_MULTIPROC_DIR to an empty directory that every worker can write
before the server starts. Each worker then writes its values to files there
and ``/metrics`` adds up the files of all workers, so any worker can serve
the scrape. prometheus_client reads the variable when it is first imported,
so it must be in the environment before the process starts.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from datetime import datetime

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

logger = logging.getLogger(__name__)

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

# Latency buckets in seconds, from a cached read to a slow report submission with media.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Event lag can include a Redis hop and a slow subscriber, so the buckets reach further.
LAG_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

GRAPHQL_REQUESTS = Counter(
    "fxx_graphql_requests_total",
    "GraphQL operations handled, by operation name and type (query, mutation, subscription).",
    ["operation_name", "operation_type"],
)
GRAPHQL_REQUEST_DURATION = Histogram(
    "fxx_graphql_request_duration_seconds",
    "Time to parse, validate and execute a query or mutation, by operation name and type.",
    ["operation_name", "operation_type"],
    buckets=LATENCY_BUCKETS,
)
GRAPHQL_ERRORS = Counter(
    "fxx_graphql_errors_total",
    "Top-level GraphQL errors returned to clients, by extensions.code and operation name.",
    ["code", "operation_name"],
)
HTTP_REQUESTS = Counter(
    "fxx_http_requests_total",
    "HTTP requests answered, by route template, method and status code.",
    ["route", "method", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "fxx_http_request_duration_seconds",
    "Time from receiving an HTTP request to the end of its response, by route template and method.",
    ["route", "method"],
    buckets=LATENCY_BUCKETS,
)
# livesum: with several workers the value is the sum over running workers, so a
# stopped worker's subscriptions stop counting once mark_worker_stopped runs.
SUBSCRIPTIONS_OPEN = Gauge(
    "fxx_graphql_subscriptions_open",
    "GraphQL subscriptions open right now. Subscription code increments it on start and decrements it on end.",
    multiprocess_mode="livesum",
)
EVENT_DELIVERY_LAG = Histogram(
    "fxx_event_delivery_lag_seconds",
    "Time from an event's publication to its delivery to a subscriber, by event type.",
    ["event_type"],
    buckets=LAG_BUCKETS,
)
WEBHOOK_DELIVERIES = Counter(
    "fxx_webhook_deliveries_total",
    "Webhook delivery attempts, successful or not, by event type.",
    ["event_type"],
)
WEBHOOK_DELIVERY_FAILURES = Counter(
    "fxx_webhook_delivery_failures_total",
    "Webhook delivery attempts that failed, by event type and reason (timeout, connection, http_status).",
    ["event_type", "reason"],
)
DB_POOL_CONNECTIONS = Gauge(
    "fxx_db_pool_connections",
    "Database pool connections by state (open, idle, in_use, max), sampled at each scrape. "
    "Only backends with a pool report it: PostgreSQL (asyncpg) does, SQLite does not.",
    ["connection", "state"],
    multiprocess_mode="livesum",
)


POOL_STATES = ("open", "idle", "in_use", "max")


def multiprocess_enabled() -> bool:
    return bool(os.environ.get(MULTIPROCESS_DIR_VARIABLE))


def observe_event_lag(event_type: str, published_at: datetime | float) -> None:
    """Record the lag of one delivered event, from its publication time (aware datetime or epoch seconds)."""
    if isinstance(published_at, datetime):
        if published_at.tzinfo is None:
            raise ValueError("published_at must be timezone-aware")
        published = published_at.timestamp()
    else:
        published = float(published_at)
    # Clocks of different hosts can disagree by a little, so a negative lag counts as zero.
    EVENT_DELIVERY_LAG.labels(event_type=event_type).observe(max(time.time() - published, 0.0))


def record_webhook_delivery(event_type: str, *, failure_reason: str | None = None) -> None:
    """Count one webhook delivery attempt, and a failure when failure_reason is given.

    failure_reason should be one of a few fixed words (timeout, connection,
    http_status), never a URL or a response body, so the label set stays small.
    """
    WEBHOOK_DELIVERIES.labels(event_type=event_type).inc()
    if failure_reason is not None:
        WEBHOOK_DELIVERY_FAILURES.labels(event_type=event_type, reason=failure_reason).inc()


def sample_db_pool() -> None:
    """Copy the sizes of each Tortoise connection pool into DB_POOL_CONNECTIONS.

    Runs on the event loop thread, because Tortoise's connection registry is
    bound to the running context. In multiprocess mode a worker's values are
    as fresh as its last sample, so HttpMetricsMiddleware also samples after
    each request there.
    """
    from tortoise.context import get_current_context
    from tortoise.exceptions import ConfigurationError

    context = get_current_context()
    if context is None:
        return
    handler = context.connections
    try:
        aliases = list(handler.db_config)
    except ConfigurationError:
        return
    for alias in aliases:
        # NOTE: Tortoise 1.1 has no public accessor for its asyncpg pool, so this reads
        # the client's private _pool. tests/test_metrics.py fails if that changes.
        pool = getattr(handler.get(alias), "_pool", None)
        if pool is None or not hasattr(pool, "get_size"):
            _forget_pool(alias)
            continue
        size = pool.get_size()
        idle = pool.get_idle_size()
        values = {"open": size, "idle": idle, "in_use": size - idle, "max": pool.get_max_size()}
        for state, value in values.items():
            DB_POOL_CONNECTIONS.labels(connection=alias, state=state).set(value)


def _forget_pool(alias: str) -> None:
    """Drop the values of a connection that has no pool (SQLite, or a pool not opened yet)."""
    if multiprocess_enabled():
        # prometheus_client cannot remove labels in multiprocess mode, so the last values stay.
        return
    for state in POOL_STATES:
        DB_POOL_CONNECTIONS.remove(alias, state)


_multiprocess_registry: CollectorRegistry | None = None


def exposed_registry() -> Collector:
    """Return the default registry, or in multiprocess mode one that adds up the files of every worker."""
    global _multiprocess_registry
    if not multiprocess_enabled():
        return REGISTRY
    if _multiprocess_registry is None:
        _multiprocess_registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(_multiprocess_registry)
    return _multiprocess_registry


async def metrics_endpoint(request: Request) -> Response:
    """Serve the metrics in the format the scraper accepts: Prometheus text by default, or OpenMetrics."""
    sample_db_pool()
    encoder, content_type = choose_encoder(request.headers.get("accept", ""))
    # Reading the per-worker files in multiprocess mode is file I/O, so it runs in a thread.
    body = await asyncio.to_thread(encoder, exposed_registry())
    return Response(body, headers={"content-type": content_type})


def mark_worker_stopped() -> None:
    """Drop this worker's live gauges from the multiprocess directory when it stops."""
    if multiprocess_enabled():
        multiprocess.mark_process_dead(os.getpid())
        logger.info("metrics of stopped worker removed", extra={"pid": os.getpid()})
