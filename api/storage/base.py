"""The storage interface that media code uses, whichever backend stores the objects."""

from __future__ import annotations

import abc
import re
from dataclasses import dataclass
from datetime import datetime

# Object keys are made by the media code; anything else is a bug or an attack.
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9/_.-]{0,254}$")


class StorageError(RuntimeError):
    """The storage could not complete an operation (unreachable, denied, misconfigured)."""


def check_key(key: str) -> str:
    if not KEY_PATTERN.fullmatch(key) or ".." in key or "//" in key:
        raise ValueError(f"invalid object key: {key!r}")
    return key


@dataclass(frozen=True)
class PresignedPost:
    """A browser-style upload: POST a multipart form with these fields and then the file field."""

    url: str
    fields: dict[str, str]
    expires_at: datetime
    # Name of the multipart part that carries the file; S3 and the local backend both use "file".
    file_field: str = "file"


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    content_type: str | None


class Storage(abc.ABC):
    """A private bucket of objects. Implementations run blocking I/O in worker threads."""

    name: str

    @abc.abstractmethod
    async def presign_post(
        self, *, key: str, content_type: str, min_size: int, max_size: int, expires_in: int
    ) -> PresignedPost:
        """Create an upload whose policy pins the key, the content type and the size range."""

    @abc.abstractmethod
    async def presign_get(self, key: str, *, expires_in: int) -> str:
        """Create a URL that reads one object until it expires."""

    @abc.abstractmethod
    async def head(self, key: str) -> ObjectInfo | None:
        """Return the object's size and type, or None when it does not exist."""

    @abc.abstractmethod
    async def read_prefix(self, key: str, length: int) -> bytes:
        """Return the first ``length`` bytes of an object (fewer if it is shorter)."""

    @abc.abstractmethod
    async def get(self, key: str) -> bytes:
        """Return a whole object."""

    @abc.abstractmethod
    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        """Store an object, replacing any object with that key."""

    @abc.abstractmethod
    async def copy(self, source_key: str, target_key: str) -> None:
        """Copy an object inside the bucket."""

    @abc.abstractmethod
    async def delete(self, keys: list[str]) -> None:
        """Delete objects. A key that does not exist is not an error."""

    async def prepare(self, *, expire_prefix: str | None = None, expire_days: int | None = None) -> None:
        """Create what the backend needs (a bucket, a folder) and, where supported, a lifecycle rule."""
