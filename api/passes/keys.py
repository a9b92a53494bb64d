"""The Ed25519 key that signs passes, and its public half as published to gate scanners."""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from functools import lru_cache

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from api.config import ConfigurationError, Settings, get_settings
from api.passes.codes import CODE_PREFIX, FORMAT_VERSION

logger = logging.getLogger(__name__)

DEVELOPMENT_KEY_FILE = "dev-pass-signing-key.pem"
KEY_ID_BYTES = 4


@dataclass(frozen=True)
class PassSigningKey:
    # First four bytes of the SHA-256 of the raw public key, as carried in every pass code.
    key_id: bytes
    private_key: Ed25519PrivateKey
    public_key: Ed25519PublicKey

    @property
    def key_id_hex(self) -> str:
        return self.key_id.hex()


def key_id_of(public_key: Ed25519PublicKey) -> bytes:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).digest()[:KEY_ID_BYTES]


@lru_cache
def _load(pem: str) -> PassSigningKey:
    try:
        private_key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as error:
        raise ConfigurationError("FXX_PASS_SIGNING_KEY is not a readable unencrypted PEM private key") from error
    if not isinstance(private_key, Ed25519PrivateKey):
        raise ConfigurationError("FXX_PASS_SIGNING_KEY must be an Ed25519 private key in PEM")
    public_key = private_key.public_key()
    return PassSigningKey(key_id_of(public_key), private_key, public_key)


def _development_key_pem(settings: Settings) -> str:
    """Create once and then reuse a throwaway signing key under var_dir (never in production)."""
    path = settings.var_dir / DEVELOPMENT_KEY_FILE
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # O_EXCL: when two processes start at once, the first key written wins.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "wb") as file:
                file.write(pem)
            logger.info("generated development pass signing key", extra={"path": str(path)})
    return path.read_text()


def signing_key(settings: Settings | None = None) -> PassSigningKey:
    settings = settings or get_settings()
    pem = settings.pass_signing_key
    if not pem:
        if settings.is_production:
            raise ConfigurationError("FXX_PASS_SIGNING_KEY is missing; set it before starting in production")
        pem = _development_key_pem(settings)
    return _load(pem)


def verification_keys(settings: Settings | None = None) -> dict[bytes, Ed25519PublicKey]:
    """Public keys that online verification accepts, by key id."""
    key = signing_key(settings)
    return {key.key_id: key.public_key}


def public_pass_keys(settings: Settings | None = None) -> dict:
    """Build the pass verification keys as a JWK set, with what an offline scanner needs to check a code."""
    settings = settings or get_settings()
    key = signing_key(settings)
    jwk = jwt.algorithms.OKPAlgorithm.to_jwk(key.public_key, as_dict=True)
    jwk.update({"kid": key.key_id_hex, "use": "sig", "alg": "EdDSA"})
    return {
        "keys": [jwk],
        "codePrefix": CODE_PREFIX,
        "formatVersion": FORMAT_VERSION,
        "lifetimeSeconds": settings.pass_lifetime_seconds,
    }
