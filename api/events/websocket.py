"""The graphql-transport-ws endpoint for subscriptions, with authentication in connection_init.

The client sends its access token in the connection_init payload, as
``{"accessToken": "..."}`` or ``{"authorization": "Bearer ..."}``. Close codes:

- 4401 Unauthorized: no token, or an invalid, expired or revoked one; also
  when the token of an open connection expires or the account is logged out
  everywhere or suspended (checked every ``subscription_recheck_seconds``).
  The client logs in again and resubscribes with its last cursor.
- 4403 Forbidden: a valid token of an account that may not subscribe
  (gatekeepers, accounts not yet approved).
- 4400, 4408, 4409, 4429: protocol errors, as the graphql-transport-ws protocol defines them.

Only graphql-transport-ws is offered: a client asking for the legacy
graphql-ws protocol gets close code 4406. A connection runs at most
``subscriptions_per_connection`` operations at once, and an extra subscribe
is answered with an error message.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import jwt
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from api.auth.principal import authenticate
from api.config import Settings, get_settings
from api.errors import AppError, ErrorCode
from api.i18n import parse_accept_language
from api.models.identity import Role, UserStatus
from api.request_context import current_request_id
from api.schema.context import Context, bearer_token_from

logger = logging.getLogger(__name__)

SUBSCRIBER_ROLES = frozenset({Role.COURIER, Role.DEPARTMENT_STAFF, Role.ADMIN})
UNAUTHORIZED = 4401
FORBIDDEN = 4403


def token_from(payload: dict[str, Any]) -> str | None:
    token = payload.get("accessToken")
    if isinstance(token, str) and token.strip():
        return token.strip()
    authorization = payload.get("authorization") or payload.get("Authorization")
    return bearer_token_from(authorization) if isinstance(authorization, str) else None


def token_expiry(token: str) -> float:
    """Return the exp claim of a token that ``authenticate`` already verified."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return float(claims["exp"])


class AuthenticatedTransportHandler(BaseGraphQLTransportWSHandler):
    """graphql-transport-ws with the caller authenticated in connection_init and watched afterwards."""

    session_task: asyncio.Task | None = None

    async def handle_connection_init(self, message: Any) -> None:
        if self.connection_timed_out:
            return
        if self.connection_init_timeout_task:
            self.connection_init_timeout_task.cancel()
        payload = message.get("payload") or {}
        if not isinstance(payload, dict):
            await self.websocket.close(code=4400, reason="Invalid connection init payload")
            return
        if self.connection_init_received:
            await self.websocket.close(code=4429, reason="Too many initialisation requests")
            return
        self.connection_init_received = True

        token = token_from(payload)
        if token is None:
            await self._reject(UNAUTHORIZED, "UNAUTHENTICATED")
            return
        context: Context = self.context
        context.bearer_token = token
        try:
            principal = await context.principal()
        except AppError as error:
            code = UNAUTHORIZED if error.code == ErrorCode.UNAUTHENTICATED else FORBIDDEN
            await self._reject(code, error.message_key)
            return
        if principal is None or principal.role not in SUBSCRIBER_ROLES or principal.status is not UserStatus.ACTIVE:
            await self._reject(FORBIDDEN, "FORBIDDEN")
            return

        expires_at = token_expiry(token)
        self.session_task = asyncio.create_task(self._watch_session(token, expires_at))
        self.session_task.add_done_callback(self._task_done)
        await self.send_message(
            {
                "type": "connection_ack",
                "payload": {"expiresAt": datetime.fromtimestamp(expires_at, timezone.utc).isoformat()},
            }
        )
        self.connection_acknowledged = True
        logger.info(
            "subscription connection opened",
            extra={"user_id": str(principal.user_id), "role": principal.role.value},
        )

    async def _reject(self, code: int, reason: str) -> None:
        logger.info("subscription connection rejected", extra={"close_code": code, "reason": reason})
        await self.websocket.close(code=code, reason=reason)

    async def _watch_session(self, token: str, expires_at: float) -> None:
        """Close the connection when its token expires or its account stops being valid."""
        recheck = get_settings().subscription_recheck_seconds
        while True:
            remaining = expires_at - time.time()
            if remaining <= 0:
                await self._reject(UNAUTHORIZED, "TOKEN_EXPIRED")
                return
            await asyncio.sleep(min(remaining, recheck))
            if time.time() >= expires_at:
                continue
            try:
                await authenticate(token)
            except AppError as error:
                await self._reject(UNAUTHORIZED, error.message_key)
                return
            except Exception:  # noqa: BLE001 - a database hiccup does not end a valid session
                logger.exception("re-checking a subscription session failed")

    async def shutdown(self) -> None:
        if self.session_task is not None:
            self.session_task.cancel()
        await super().shutdown()

    async def _send_result_stream(self, operation: Any, result_source: Any) -> None:
        # As the base class does, but errors get the API's codes and localised messages.
        from api.app import format_error

        is_first_result = True
        async for result in result_source:
            if is_first_result and isinstance(result, PreExecutionError):
                await self._handle_pre_execution_error(operation, result)
                return
            if not isinstance(result, ExecutionResult):
                await self._reject_incremental_delivery(operation)
                return
            payload: dict[str, Any] = {"data": result.data}
            if result.errors:
                payload["errors"] = [format_error(error, self.context.language) for error in result.errors]
            await operation.send_operation_message({"id": operation.id, "type": "next", "payload": payload})
            is_first_result = False


class SubscriptionEndpoint(GraphQL):
    """Serves GraphQL over websockets only. Queries and mutations keep using HTTP POST."""

    graphql_transport_ws_handler_class = AuthenticatedTransportHandler

    async def get_context(self, request: Any, response: Any = None) -> Context:  # type: ignore[override]
        language = parse_accept_language(request.headers.get("accept-language"))
        client = request.client.host if request.client else "unknown"
        return Context(request=request, language=language, request_id=current_request_id(), client_address=client)


def subscription_endpoint(schema: Any, settings: Settings | None = None) -> SubscriptionEndpoint:
    settings = settings or get_settings()
    return SubscriptionEndpoint(
        schema,
        graphql_ide=None,
        allow_queries_via_get=False,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        connection_init_wait_timeout=timedelta(seconds=settings.subscription_init_timeout_seconds),
        max_subscriptions_per_connection=settings.subscriptions_per_connection,
        allowed_origins=settings.allowed_origins,
    )


