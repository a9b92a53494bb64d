"""ASGI middleware that checks requests before the application sees them.

- BodySizeLimitMiddleware: bodies over the limit get 413, whether or not they
  declare a Content-Length.
- GraphQLRequestGuard: GraphQL operations only by POST with application/json.
  Because browsers send form and multipart bodies cross-site without a CORS
  preflight, accepting only JSON stops cross-site request forgery of mutations.
- SecurityHeadersMiddleware: headers that keep browsers from sniffing, framing
  or leaking responses.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.i18n import Language, parse_accept_language, translate
from api.security import messages as _messages  # noqa: F401 - registers the message keys

logger = logging.getLogger(__name__)

GRAPHQL_PATHS = ("/graphql", "/graphql/")


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


def _language(scope: Scope) -> Language:
    return parse_accept_language(_header(scope, b"accept-language") or None)


async def _send_error(send: Send, status: int, code: str, message: str, extra_headers: list | None = None) -> None:
    body = json.dumps(
        {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}, ensure_ascii=False
    ).encode()
    headers = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra_headers or [])})
    await send({"type": "http.response.body", "body": body})


class _BodyTooLarge(Exception):
    pass


class BodySizeLimitMiddleware:
    """Reject request bodies larger than the limit for their path with 413."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, limits_by_path: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Longest prefix first, so "/media/upload/x" matches before "/media".
        self.limits_by_path = sorted((limits_by_path or {}).items(), key=lambda item: -len(item[0]))

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.limits_by_path:
            if path.startswith(prefix):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _header(scope, b"content-length")
        if declared.isdigit() and int(declared) > limit:
            await self._reject(scope, send, limit)
            return

        received = 0
        too_large = False
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if too_large:
                # Starlette's error handler answers the exception with a 500; the 413 replaces it.
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _BodyTooLarge:
            if response_started:
                raise
            await self._reject(scope, send, limit)

    async def _reject(self, scope: Scope, send: Send, limit: int) -> None:
        logger.warning("request body too large", extra={"path": scope["path"], "max_bytes": limit})
        message = translate("REQUEST_TOO_LARGE", _language(scope), max_bytes=limit)
        await _send_error(send, 413, "REQUEST_TOO_LARGE", message, [(b"connection", b"close")])


class GraphQLRequestGuard:
    """Allow GraphQL operations only as POST with Content-Type application/json."""

    def __init__(self, app: ASGIApp, *, paths: tuple[str, ...] = GRAPHQL_PATHS) -> None:
        self.app = app
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "POST":
            media_type = _header(scope, b"content-type").split(";")[0].strip().lower()
            if media_type != "application/json":
                logger.warning("graphql request rejected", extra={"reason": "content_type", "media_type": media_type[:64]})
                message = translate("CONTENT_TYPE_UNSUPPORTED", _language(scope))
                await _send_error(send, 415, "CONTENT_TYPE_UNSUPPORTED", message)
                return
        elif method in ("GET", "HEAD") and scope.get("query_string"):
            # A bare GET may load the GraphiQL page outside production; any parameter means an operation.
            logger.warning("graphql request rejected", extra={"reason": "get_operation"})
            message = translate("GET_OPERATION_REJECTED", _language(scope))
            await _send_error(send, 405, "GET_OPERATION_REJECTED", message, [(b"allow", b"POST")])
            return
        await self.app(scope, receive, send)


class SecurityHeadersMiddleware:
    """Add browser security headers to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp, *, strict_transport: bool) -> None:
        self.app = app
        self.headers = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        ]
        if strict_transport:
            self.headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {key.lower() for key, _ in headers}
                headers += [(key, value) for key, value in self.headers if key not in present]
                is_html = any(
                    key.lower() == b"content-type" and value.startswith(b"text/html") for key, value in headers
                )
                # API responses are data, never pages; the GraphiQL page (development only) needs its scripts.
                if not is_html and b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
