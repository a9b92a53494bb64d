"""Object storage for media: one interface, an S3 backend and a local folder backend."""

from __future__ import annotations

import hashlib
import hmac

from api.config import MediaBackend, Settings, get_settings
from api.storage.base import ObjectInfo, PresignedPost, Storage, StorageError

__all__ = ["ObjectInfo", "PresignedPost", "Storage", "StorageError", "build_storage", "get_storage", "use_storage"]

_current: Storage | None = None


def local_signing_key(settings: Settings) -> bytes:
    """Key that signs the local backend's upload policies and download URLs, derived from FXX_DATA_HASH_KEY."""
    return hmac.new(settings.data_hash_key.encode(), b"fengxingxia local media urls", hashlib.sha256).digest()


def build_storage(settings: Settings) -> Storage:
    if settings.media_backend is MediaBackend.S3:
        from api.storage.s3 import S3Storage

        return S3Storage(
            bucket=settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
            addressing_style=settings.s3_addressing_style,
        )
    from api.storage.local import LocalStorage

    assert settings.media_dir is not None
    return LocalStorage(root=settings.media_dir, base_url=settings.public_base_url, secret=local_signing_key(settings))


def get_storage() -> Storage:
    """Return the storage that settings configure, building it on first use."""
    global _current
    if _current is None:
        _current = build_storage(get_settings())
    return _current


def use_storage(storage: Storage | None) -> None:
    """Replace the configured storage (tests run the same code on both backends); None rebuilds it."""
    global _current
    _current = storage
