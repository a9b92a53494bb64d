"""The OAuth 2.0 token endpoint for integrator clients: the client credentials grant (RFC 6749 section 4.4).

Clients authenticate with HTTP Basic or with client_id and client_secret in the
form body (RFC 6749 section 2.3.1), never both. Errors use the RFC's codes:
invalid_request, invalid_client, unsupported_grant_type and invalid_scope.
"""

from __future__ import annotations

import base64
import binascii
import logging
from urllib.parse import parse_qsl, unquote

from starlette.requests import Request
from starlette.responses import JSONResponse

from api.config import get_settings
from api.errors import RateLimited
from api.integrators.service import authenticate_credentials
from api.integrators.tokens import issue_client_token
from api.security.mutation_limits import app_rate_limiter
from api.security.ratelimit import Limit, enforce

logger = logging.getLogger(__name__)

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
FORM_TYPE = "application/x-www-form-urlencoded"


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status_code: int = 400, headers: dict | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.description = description
        self.status_code = status_code
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse(
            {"error": self.error, "error_description": self.description},
            status_code=self.status_code,
            headers={**NO_STORE, **self.headers},
        )


def _form(body: bytes) -> dict[str, str]:
    """Parse a form body; a repeated parameter is invalid (RFC 6749 section 3.2)."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError) as error:
        raise OAuthError("invalid_request", "The body is not a valid form.") from error
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise OAuthError("invalid_request", f"The parameter {name} is repeated.")
        form[name] = value
    return form


def _basic_credentials(header: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as error:
        raise OAuthError("invalid_client", "The Basic credentials are malformed.", 401, _CHALLENGE) from error
    client_id, separator, secret = decoded.partition(":")
    if not separator:
        raise OAuthError("invalid_client", "The Basic credentials are malformed.", 401, _CHALLENGE)
    # RFC 6749 section 2.3.1: both parts are form-urlencoded before Basic encoding.
    return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))


_CHALLENGE = {"WWW-Authenticate": 'Basic realm="fengxingxia"'}


def _credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    in_body = "client_id" in form or "client_secret" in form
    if header[:6].lower() == "basic ":
        if in_body:
            raise OAuthError("invalid_request", "Use HTTP Basic or body credentials, not both.")
        return _basic_credentials(header)
    if not form.get("client_id") or not form.get("client_secret"):
        raise OAuthError("invalid_client", "Client authentication is missing.", 401, _CHALLENGE)
    return form["client_id"], form["client_secret"]


async def _check_rate(request: Request, client_id: str) -> None:
    settings = get_settings()
    address = request.client.host if request.client else "unknown"
    checks = [
        (f"client_token:address:{address}", Limit.parse(settings.rate_limit_client_token_address)),
        (f"client_token:identity:{client_id[:64]}", Limit.parse(settings.rate_limit_client_token_identity)),
    ]
    try:
        await enforce(app_rate_limiter(request), checks, action="client_token")
    except RateLimited as error:
        raise OAuthError(
            "rate_limited", f"Too many token requests; try again in {error.retry_after} seconds.", 429,
            {"Retry-After": str(error.retry_after)},
        ) from error


async def token_endpoint(request: Request) -> JSONResponse:
    try:
        return await _issue(request)
    except OAuthError as error:
        logger.info("client token refused", extra={"oauth_error": error.error})
        return error.response()


async def _issue(request: Request) -> JSONResponse:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM_TYPE:
        raise OAuthError("invalid_request", f"Send the parameters as {FORM_TYPE}.")
    form = _form(await request.body())
    grant_type = form.get("grant_type")
    if not grant_type:
        raise OAuthError("invalid_request", "The grant_type parameter is missing.")
    if grant_type != "client_credentials":
        raise OAuthError("unsupported_grant_type", "Only the client_credentials grant is supported.")

    client_id, secret = _credentials(request, form)
    await _check_rate(request, client_id)
    client = await authenticate_credentials(client_id, secret)
    if client is None:
        raise OAuthError("invalid_client", "Client authentication failed.", 401, _CHALLENGE)

    requested = form.get("scope")
    granted = sorted(client.scopes) if requested is None else sorted(set(requested.split()))
    if not granted or not set(granted) <= set(client.scopes):
        raise OAuthError("invalid_scope", "The requested scope is not granted to this client.")

    token, expires_in = issue_client_token(
        client_id=client.client_id,
        jurisdiction_id=client.jurisdiction_id,
        secret_version=client.secret_version,
        scopes=granted,
    )
    logger.info("client token issued", extra={"client_id": client.client_id, "scopes": " ".join(granted)})
    return JSONResponse(
        {"access_token": token, "token_type": "Bearer", "expires_in": expires_in, "scope": " ".join(granted)},
        headers=NO_STORE,
    )
