"""Short-lived access JWTs for integrator clients (OAuth 2.0 client credentials).

They are signed with the same key as user tokens but carry ``kind: client``
and no user claims, so a client token never passes as a user token, nor the
other way round.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import jwt

from api.auth.tokens import ALGORITHM, signing_key, verify_signed_claims
from api.config import get_settings
from api.errors import Unauthenticated

CLIENT_KIND = "client"


@dataclass(frozen=True)
class ClientClaims:
    client_id: str
    jurisdiction_id: int
    secret_version: int
    scopes: tuple[str, ...]


def issue_client_token(
    *, client_id: str, jurisdiction_id: int, secret_version: int, scopes: list[str], now: datetime | None = None
) -> tuple[str, int]:
    """Return a signed access token and its lifetime in seconds."""
    settings = get_settings()
    key = signing_key(settings)
    now = now or datetime.now(timezone.utc)
    lifetime = timedelta(minutes=settings.integrator_token_minutes)
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": f"client:{client_id}",
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "jti": uuid.uuid4().hex,
        "kind": CLIENT_KIND,
        "cid": client_id,
        "jur": jurisdiction_id,
        "ver": secret_version,
        "scope": " ".join(scopes),
    }
    token = jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.key_id})
    return token, int(lifetime.total_seconds())


def decode_client_token(token: str) -> ClientClaims:
    """Verify an integrator client's access token; user tokens are rejected here."""
    claims = verify_signed_claims(token)
    if claims.get("kind") != CLIENT_KIND:
        raise Unauthenticated("TOKEN_INVALID")
    try:
        return ClientClaims(
            client_id=str(claims["cid"]),
            jurisdiction_id=int(claims["jur"]),
            secret_version=int(claims["ver"]),
            scopes=tuple(str(claims["scope"]).split()),
        )
    except (KeyError, ValueError, TypeError) as error:
        raise Unauthenticated("TOKEN_INVALID") from error
