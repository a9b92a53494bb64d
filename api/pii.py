"""Protection of personal information: encryption, keyed hashes and masking."""

from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet

from api.config import get_settings


def encrypt(value: str) -> str:
    return Fernet(get_settings().data_encryption_key.encode()).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return Fernet(get_settings().data_encryption_key.encode()).decrypt(token.encode()).decode()


def keyed_hash(value: str) -> str:
    key = get_settings().data_hash_key.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


def mask_name(name: str) -> str:
    """Keep the family name: 张三 -> 张*, 欧阳娜娜 -> 欧***; Latin names keep the first letter."""
    if not name:
        return name
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_id_number(last4: str) -> str:
    return "*" * 14 + last4
