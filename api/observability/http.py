"""ASGI middleware that counts and times HTTP requests by route template."""

from __future__ import annotations

import time
from collections.abc import Sequence

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.observability import metrics

UNMATCHED_ROUTE = "unmatched"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_label(scope: Scope, routes: Sequence[BaseRoute]) -> str:
    """Return the template of the route that matches the request ("/media/{id}"), never the raw path.

    Raw paths would let any client add label values, so unmatched paths share one label.
    """
    for route in routes:
        match, _ = route.matches(scope)
        path = getattr(route, "path", None)
        if match is not Match.NONE and isinstance(path, str):
            return path
    return UNMATCHED_ROUTE


class HttpMetricsMiddleware:
    """Record fxx_http_requests_total and fxx_http_request_duration_seconds for each HTTP request.

    ``routes`` are the application's routes, matched here rather than read from
    the router, so requests that an outer middleware rejects (413, 415) still get
    their route. WebSocket connections are not counted here, because
    subscriptions have their own gauge.
    """

    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = time.perf_counter()
        route = route_label(scope, self.routes)
        method = scope["method"] if scope["method"] in KNOWN_METHODS else "other"
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            metrics.HTTP_REQUESTS.labels(route, method, str(status)).inc()
            metrics.HTTP_REQUEST_DURATION.labels(route, method).observe(time.perf_counter() - started)
            if metrics.multiprocess_enabled():
                metrics.sample_db_pool()
