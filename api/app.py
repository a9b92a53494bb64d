"""The ASGI application: GraphQL, health checks, error shaping and request ids."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from tortoise import connections

from api.auth.tokens import public_jwks
from api.config import get_settings
from api.db import close_db, init_db
from api.errors import AppError, ErrorCode, ValidationFailed
from api.events import runtime as realtime
from api.events.websocket import subscription_endpoint
from api.i18n import Language, parse_accept_language, translate
from api.integrators.http import routes as integrator_routes
from api.observability.http import HttpMetricsMiddleware
from api.observability.metrics import mark_worker_stopped, metrics_endpoint
from api.open311.http import routes as open311_routes
from api.passes.http import pass_keys
from api.request_context import current_request_id, set_request_id
from api.schema.context import Context, bearer_token_from
from api.schema.root import is_expected_error
from api.schema.root import schema as default_schema
from api.security.app import secure
from api.security.ratelimit import build_rate_limiter
from api.storage.http import routes as media_routes

logger = logging.getLogger(__name__)


class RequestIdMiddleware:
    """Honour a client's X-Request-ID (when sane) or make one, and echo it in the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        supplied = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = supplied if 0 < len(supplied) <= 64 and supplied.replace("-", "").isalnum() else uuid.uuid4().hex
        token = set_request_id(request_id)

        async def send_with_id(message: dict) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [(b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            from api.request_context import _request_id

            _request_id.reset(token)


def format_error(error: GraphQLError, language: Language) -> dict[str, Any]:
    """Shape one error: a stable code, a localised message, and nothing internal."""
    original = error.original_error
    formatted: dict[str, Any] = {"message": error.message}
    if error.locations:
        formatted["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        formatted["path"] = error.path
    if isinstance(original, AppError):
        formatted["message"] = translate(original.message_key, language, **original.params)
        formatted["extensions"] = {"code": original.code, "reason": original.reason}
        if original.code == ErrorCode.RATE_LIMITED:
            formatted["extensions"]["retryAfter"] = original.params.get("retry_after")
    elif isinstance(original, ValidationFailed):
        formatted["message"] = translate(ErrorCode.BAD_USER_INPUT, language)
        formatted["extensions"] = {
            "code": ErrorCode.BAD_USER_INPUT,
            "fields": [
                {"field": p.field, "code": p.code, "message": translate(p.code, language, **p.params)}
                for p in original.problems
            ],
        }
    elif is_expected_error(error):
        # Errors of the document or of variable values (for example 10.5 for an Int).
        # They occur before any resolver runs, so they carry no path and no internals.
        formatted["extensions"] = {"code": (error.extensions or {}).get("code", ErrorCode.BAD_USER_INPUT)}
    else:
        # AppSchema.process_errors has logged it with its traceback and the request id.
        request_id = current_request_id()
        formatted["message"] = translate(ErrorCode.INTERNAL, language, request_id=request_id)
        formatted["extensions"] = {"code": ErrorCode.INTERNAL, "requestId": request_id}
    return formatted


class GraphQLApp(GraphQL):
    async def get_context(self, request: Any, response: Any = None) -> Context:  # type: ignore[override]
        language = parse_accept_language(request.headers.get("accept-language"))
        client = request.client.host if request.client else "unknown"
        if response is not None and hasattr(request, "state"):
            request.state.sub_response = response
        return Context(
            request=request,
            language=language,
            request_id=current_request_id(),
            bearer_token=bearer_token_from(request.headers.get("authorization")),
            client_address=client,
            response=response,
        )

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:  # type: ignore[override]
        language = parse_accept_language(request.headers.get("accept-language"))
        data: GraphQLHTTPResponse = {"data": result.data}
        if result.errors:
            data["errors"] = [format_error(error, language) for error in result.errors]
            self._set_retry_after(request, data["errors"])
        if result.extensions:
            data["extensions"] = result.extensions
        return data

    @staticmethod
    def _set_retry_after(request: Any, errors: list[dict[str, Any]]) -> None:
        """Mirror the longest retryAfter of RATE_LIMITED errors in the standard Retry-After header."""
        waits = [
            int(error["extensions"]["retryAfter"])
            for error in errors
            if error.get("extensions", {}).get("code") == ErrorCode.RATE_LIMITED
            and error["extensions"].get("retryAfter") is not None
        ]
        sub_response = getattr(getattr(request, "state", None), "sub_response", None)
        if waits and sub_response is not None and "retry-after" not in sub_response.headers:
            sub_response.headers["Retry-After"] = str(max(waits))


async def healthz(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(_: Request) -> JSONResponse:
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means not ready, and is logged
        logger.exception("readiness check failed")
        return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "up"})


async def jwks(_: Request) -> JSONResponse:
    return JSONResponse(public_jwks())


def create_app(*, schema: Any = None, manage_database: bool = True) -> ASGIApp:
    """Build the application; tests pass manage_database=False and open the database themselves."""
    settings = get_settings()
    graphql = GraphQLApp(
        schema or default_schema,
        graphql_ide=None if settings.is_production else "graphiql",
        allow_queries_via_get=False,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
    )

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if manage_database:
            await init_db()
        await realtime.start(settings)
        logger.info("service started", extra={"environment": settings.environment.value})
        try:
            yield
        finally:
            await realtime.stop()
            if manage_database:
                await close_db()
            mark_worker_stopped()
            logger.info("service stopped")

    routes = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics_endpoint),
        Route("/.well-known/jwks.json", jwks),
        Route("/.well-known/pass-keys.json", pass_keys),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", subscription_endpoint(schema or default_schema, settings)),
        *media_routes(),
        *integrator_routes(),
        *open311_routes(),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.rate_limiter = build_rate_limiter(settings)
    return RequestIdMiddleware(HttpMetricsMiddleware(secure(app, settings), routes))
