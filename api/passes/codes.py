"""The pass code: a compact binary payload signed with Ed25519, written in QR-friendly base32.

A code reads ``FXP:`` followed by the unpadded RFC 4648 base32 of
``payload || signature``. The payload is 49 bytes, big-endian:

====== ======= ==================================================================
offset size    field
====== ======= ==================================================================
0      1       format version (1)
1      4       key id: first 4 bytes of the SHA-256 of the raw Ed25519 public key
5      8       pass id (random)
13     16      courier user id (UUID)
29     4       jurisdiction id of the courier
33     4       account version of the courier (bumped by suspension and "log out everywhere")
37     4       pass generation of the courier (bumped by each pass revocation)
41     4       issued at, Unix seconds
45     4       expires at, Unix seconds
====== ======= ==================================================================

followed by the 64-byte Ed25519 signature of the payload. The whole code is 185
characters from the QR alphanumeric set, so it fits a version 8 QR code at
error correction level M. An offline scanner checks the prefix, the key id
against the published key set, the signature and the expiry. The account
version and generation only mean something online, against the current account.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import struct
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from api.models.passes import PassVerificationResult

CODE_PREFIX = "FXP:"
FORMAT_VERSION = 1
_PAYLOAD = struct.Struct(">B4s8s16sIIIII")
_SIGNATURE_SIZE = 64
_CODE_BYTES = _PAYLOAD.size + _SIGNATURE_SIZE
# Longer input is rejected before any decoding work.
MAX_CODE_LENGTH = 256


@dataclass(frozen=True)
class PassClaims:
    key_id: bytes
    pass_id: str
    courier_id: uuid.UUID
    jurisdiction_id: int
    account_version: int
    generation: int
    issued_at: datetime
    expires_at: datetime


class PassCodeRejected(Exception):
    """A code that is not a pass of ours, or whose signature does not verify."""

    def __init__(self, result: PassVerificationResult) -> None:
        self.result = result
        super().__init__(result.value)


def new_pass_id() -> str:
    return secrets.token_hex(8)


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


def _datetime(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def encode(claims: PassClaims, private_key: Ed25519PrivateKey) -> str:
    """Serialise and sign the claims. Timestamps are truncated to whole seconds."""
    payload = _PAYLOAD.pack(
        FORMAT_VERSION,
        claims.key_id,
        bytes.fromhex(claims.pass_id),
        claims.courier_id.bytes,
        claims.jurisdiction_id,
        claims.account_version,
        claims.generation,
        _unix(claims.issued_at),
        _unix(claims.expires_at),
    )
    signature = private_key.sign(payload)
    return CODE_PREFIX + base64.b32encode(payload + signature).decode("ascii").rstrip("=")


def decode(code: str, public_keys: dict[bytes, Ed25519PublicKey]) -> PassClaims:
    """Check the form and signature of a code and return its claims.

    Expiry is not checked here, because the caller decides what time it is.
    Raises PassCodeRejected with MALFORMED or BAD_SIGNATURE.
    """
    text = code.strip()
    if len(text) > MAX_CODE_LENGTH or not text.upper().startswith(CODE_PREFIX):
        raise PassCodeRejected(PassVerificationResult.MALFORMED)
    body = text[len(CODE_PREFIX):]
    try:
        raw = base64.b32decode(body + "=" * (-len(body) % 8), casefold=True)
    except (binascii.Error, ValueError) as error:
        raise PassCodeRejected(PassVerificationResult.MALFORMED) from error
    if len(raw) != _CODE_BYTES:
        raise PassCodeRejected(PassVerificationResult.MALFORMED)

    payload, signature = raw[: _PAYLOAD.size], raw[_PAYLOAD.size:]
    (version, key_id, pass_id, courier_id, jurisdiction_id,
     account_version, generation, issued_at, expires_at) = _PAYLOAD.unpack(payload)
    if version != FORMAT_VERSION:
        raise PassCodeRejected(PassVerificationResult.MALFORMED)
    public_key = public_keys.get(key_id)
    if public_key is None:
        raise PassCodeRejected(PassVerificationResult.BAD_SIGNATURE)
    try:
        public_key.verify(signature, payload)
    except InvalidSignature as error:
        raise PassCodeRejected(PassVerificationResult.BAD_SIGNATURE) from error

    return PassClaims(
        key_id=key_id,
        pass_id=pass_id.hex(),
        courier_id=uuid.UUID(bytes=courier_id),
        jurisdiction_id=jurisdiction_id,
        account_version=account_version,
        generation=generation,
        issued_at=_datetime(issued_at),
        expires_at=_datetime(expires_at),
    )
