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
    return SigningKey(configured_key_id or derived_key_id(public_key), private_key, public_key)


def derived_key_id(public_key: Ed25519PublicKey) -> str:
    """Return the default ``kid``: the first 16 hex digits of the SHA-256 of the raw public key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def signing_key(settings: Settings | None = None) -> SigningKey:
    settings = settings or get_settings()
    return _signing_key(settings.jwt_private_key, settings.jwt_key_id)


@lru_cache
def _previous_keys(pems: tuple[str, ...]) -> dict[str, Ed25519PublicKey]:
    keys: dict[str, Ed25519PublicKey] = {}
    for pem in pems:
        public_key = serialization.load_pem_public_key(pem.encode())
        if not isinstance(public_key, Ed25519PublicKey):
            raise ValueError("FXX_JWT_PREVIOUS_PUBLIC_KEYS must list Ed25519 public keys in PEM")
        keys[derived_key_id(public_key)] = public_key
    return keys


def verification_keys(settings: Settings | None = None) -> dict[str, Ed25519PublicKey]:
    """Return every key that may have signed a live token, by ``kid``: the current one and the retired ones.

    Rotation: make the new private key current and move the old public key to
    FXX_JWT_PREVIOUS_PUBLIC_KEYS for at least one access-token lifetime.
    """
    settings = settings or get_settings()
    current = signing_key(settings)
    keys = dict(_previous_keys(tuple(settings.jwt_previous_public_keys)))
    keys[current.key_id] = current.public_key
    return keys


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
    keys = verification_keys(settings)
    try:
        header = jwt.get_unverified_header(token)
        public_key = keys.get(header.get("kid")) if isinstance(header.get("kid"), str) else None
        if header.get("alg") != ALGORITHM or public_key is None:
            raise Unauthenticated("TOKEN_INVALID")
        return jwt.decode(
            token,
            public_key,
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
    """Return the verification keys as a JWK set (current first), for other services that check our tokens."""
    keys = verification_keys(settings)
    current = signing_key(settings).key_id
    published = []
    for key_id in sorted(keys, key=lambda kid: kid != current):
        jwk = jwt.algorithms.OKPAlgorithm.to_jwk(keys[key_id], as_dict=True)
        jwk.update({"kid": key_id, "use": "sig", "alg": ALGORITHM})
        published.append(jwk)
    return {"keys": published}
