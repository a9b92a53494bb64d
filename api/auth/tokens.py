"""Access tokens (EdDSA JWTs) and opaque refresh tokens."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from api.config import Settings, get_settings
from api.errors import AppError, ErrorCode, Unauthenticated

ALGORITHM = "EdDSA"
REQUIRED_CLAIMS = ["iss", "aud", "sub", "exp", "iat", "jti"]


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    private_key: Ed25519PrivateKey
    public_key: Ed25519PublicKey


@lru_cache
def _signing_key(pem: str, configured_key_id: str) -> SigningKey:
    private_key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(private_key, Ed25519PrivateKey):
        raise ValueError("FXX_JWT_PRIVATE_KEY must be an Ed25519 private key in PEM")
    public_key = private_key.public_key()
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key_id = configured_key_id or hashlib.sha256(raw).hexdigest()[:16]
    return SigningKey(key_id, private_key, public_key)


def signing_key(settings: Settings | None = None) -> SigningKey:
    settings = settings or get_settings()
    return _signing_key(settings.jwt_private_key, settings.jwt_key_id)


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    role: str
    jurisdiction_id: int
    token_version: int
    scopes: tuple[str, ...]
    department_id: int | None
    token_id: str


def issue_access_token(
    *,
    user_id: uuid.UUID,
    role: str,
    jurisdiction_id: int,
    token_version: int,
    scopes: list[str],
    department_id: int | None,
    now: datetime | None = None,
) -> tuple[str, datetime]:
    settings = get_settings()
    key = signing_key(settings)
    now = now or datetime.now(timezone.utc)
    expires_at = now + timedelta(minutes=settings.access_token_minutes)
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": str(user_id),
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "jti": uuid.uuid4().hex,
        "role": role,
        "jur": jurisdiction_id,
        "ver": token_version,
        "scope": " ".join(scopes),
        "dept": department_id,
    }
    token = jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.key_id})
    return token, expires_at


def verify_signed_claims(token: str) -> dict:
    """Verify signature, pinned algorithm, key id, issuer, audience, expiry and required claims.

    Raises UNAUTHENTICATED with reason TOKEN_EXPIRED or TOKEN_INVALID.
    """
    settings = get_settings()
    key = signing_key(settings)
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM or header.get("kid") != key.key_id:
            raise Unauthenticated("TOKEN_INVALID")
        return jwt.decode(
            token,
            key.public_key,
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError as error:
        raise Unauthenticated("TOKEN_EXPIRED") from error
    except jwt.InvalidTokenError as error:
        raise Unauthenticated("TOKEN_INVALID") from error


def decode_access_token(token: str) -> AccessClaims:
    """Verify a user's access token; integrator client tokens are rejected here."""
    claims = verify_signed_claims(token)
    if "kind" in claims:
        # An integrator's client-credentials token: valid, but not for the user API.
        raise AppError(ErrorCode.FORBIDDEN, "CLIENT_TOKEN_NOT_ACCEPTED")
    try:
        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            role=str(claims["role"]),
            jurisdiction_id=int(claims["jur"]),
            token_version=int(claims["ver"]),
            scopes=tuple(str(claims.get("scope", "")).split()),
            department_id=claims.get("dept"),
            token_id=str(claims["jti"]),
        )
    except (KeyError, ValueError, TypeError) as error:
        raise Unauthenticated("TOKEN_INVALID") from error


def new_refresh_token() -> tuple[str, str]:
    """Return an opaque refresh token and the SHA-256 hash that is stored."""
    token = secrets.token_urlsafe(32)
    return token, hash_refresh_token(token)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def public_jwks(settings: Settings | None = None) -> dict:
    """The verification key as a JWK set, for other services that check our tokens."""
    key = signing_key(settings)
    jwk = jwt.algorithms.OKPAlgorithm.to_jwk(key.public_key, as_dict=True)
    jwk.update({"kid": key.key_id, "use": "sig", "alg": ALGORITHM})
    return {"keys": [jwk]}
