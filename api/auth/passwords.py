"""Argon2id password hashing and strength rules."""

from __future__ import annotations

import asyncio
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()

# Verified against when the account does not exist, so an unknown account
# costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("fengxingxia-dummy-password")

COMMON_PASSWORDS = frozenset(
    {"password", "password1", "12345678", "123456789", "1234567890", "qwerty123", "abc12345",
     "a1234567", "aa123456", "woaini1314", "iloveyou1", "11111111", "88888888", "qwertyuiop"}
)


async def hash_password(password: str) -> str:
    """Hash in a worker thread: Argon2 takes about 0.1 s of CPU by design, which would stall the event loop."""
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password in a worker thread; with no hash, spend the same time and return False."""
    return await asyncio.to_thread(_verify, password_hash, password)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def is_weak_password(password: str, *, phone: str | None = None) -> bool:
    if len(password) < 8 or len(password) > 128:
        return True
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return True
    if password.lower() in COMMON_PASSWORDS:
        return True
    return bool(phone) and phone in password
