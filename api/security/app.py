"""The stack of request-checking middleware around the application."""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from api.config import Settings
from api.security.middleware import BodySizeLimitMiddleware, GraphQLRequestGuard, SecurityHeadersMiddleware

CORS_ALLOWED_HEADERS = ["authorization", "content-type", "accept-language", "x-request-id"]
CORS_EXPOSED_HEADERS = ["x-request-id", "retry-after"]


def _body_limits_by_path(settings: Settings) -> dict[str, int]:
    """Per-path body limits: the local media upload accepts files up to the largest media limit."""
    from api.media.limits import largest_upload_bytes
    from api.storage.http import FORM_OVERHEAD_BYTES
    from api.storage.local import UPLOAD_PATH

    limits = {UPLOAD_PATH: largest_upload_bytes() + FORM_OVERHEAD_BYTES}
    limits.update(settings.request_body_limits_by_path)
    return limits


def secure(app: ASGIApp, settings: Settings) -> ASGIApp:
    """Wrap the application: security headers outermost, then CORS, body size and the GraphQL request rules.

    Security headers sit outside the other layers so that their 413 and 415
    answers carry the headers too.
    """
    guarded = GraphQLRequestGuard(app)
    limited = BodySizeLimitMiddleware(
        guarded, max_bytes=settings.max_request_bytes, limits_by_path=_body_limits_by_path(settings)
    )
    cors = CORSMiddleware(
        limited,
        allow_origins=settings.allowed_origins,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=CORS_ALLOWED_HEADERS,
        expose_headers=CORS_EXPOSED_HEADERS,
        allow_credentials=False,
        max_age=settings.cors_max_age_seconds,
    )
    return SecurityHeadersMiddleware(cors, strict_transport=settings.is_production)
