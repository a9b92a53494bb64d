"""Local folder backend for the embedded default.

It speaks the same upload protocol as S3: a presigned POST whose signed policy
pins the key, the content type and a size range, posted as a multipart form to
the app itself (see api/storage/http.py). Reads go through signed, expiring URLs
served by the app. File operations run in worker threads.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import io
import json
import mimetypes
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, urlencode

from api.storage.base import ObjectInfo, PresignedPost, Storage, check_key

UPLOAD_PATH = "/media/upload"
DOWNLOAD_PATH = "/media/files/"
SIGNATURE_FIELD = "x-fxx-signature"


class PolicyViolation(Exception):
    """An upload that its policy does not allow. ``code`` names the failed check in S3's terms."""

    def __init__(self, code: str, status_code: int) -> None:
        self.code = code
        self.status_code = status_code
        super().__init__(code)


@dataclass(frozen=True)
class UploadPolicy:
    key: str
    content_type: str
    min_size: int
    max_size: int


class LocalStorage(Storage):
    name = "local"

    def __init__(self, *, root: Path, base_url: str, secret: bytes) -> None:
        self.root = root.resolve()
        self.base_url = base_url.rstrip("/")
        self._secret = secret

    # --- signing --------------------------------------------------------

    def _sign(self, message: str) -> str:
        return hmac.new(self._secret, message.encode(), hashlib.sha256).hexdigest()

    def check_upload(self, fields: dict[str, str], size: int) -> UploadPolicy:
        """Check a posted form against its signed policy, as S3 does, or raise PolicyViolation."""
        policy_text = fields.get("policy", "")
        signature = fields.get(SIGNATURE_FIELD, "")
        if not policy_text or not hmac.compare_digest(self._sign("POST\n" + policy_text), signature):
            raise PolicyViolation("SignatureDoesNotMatch", 403)
        policy = json.loads(base64.b64decode(policy_text))
        if datetime.fromisoformat(policy["expiration"]) <= datetime.now(UTC):
            raise PolicyViolation("AccessDenied.PolicyExpired", 403)
        conditions = policy["conditions"]
        key = conditions["key"]
        content_type = conditions["Content-Type"]
        min_size, max_size = conditions["content-length-range"]
        if fields.get("key") != key:
            raise PolicyViolation("AccessDenied.KeyMismatch", 403)
        if fields.get("Content-Type") != content_type:
            raise PolicyViolation("AccessDenied.ContentTypeMismatch", 403)
        if size > max_size:
            raise PolicyViolation("EntityTooLarge", 400)
        if size < min_size:
            raise PolicyViolation("EntityTooSmall", 400)
        return UploadPolicy(key=key, content_type=content_type, min_size=min_size, max_size=max_size)

    def check_download(self, key: str, expires: str, signature: str) -> bool:
        if not expires.isdigit() or int(expires) < time.time():
            return False
        return hmac.compare_digest(self._sign(f"GET\n{key}\n{expires}"), signature)

    # --- paths ----------------------------------------------------------

    def path_for(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if self.root not in path.parents:
            raise ValueError(f"invalid object key: {key!r}")
        return path

    def write_stream(self, key: str, source: BinaryIO) -> None:
        """Write an object from a file object atomically (blocking: call in a thread)."""
        target = self.path_for(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(descriptor, "wb") as out:
                shutil.copyfileobj(source, out)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    # --- Storage --------------------------------------------------------

    async def presign_post(
        self, *, key: str, content_type: str, min_size: int, max_size: int, expires_in: int
    ) -> PresignedPost:
        check_key(key)
        expires_at = datetime.now(UTC) + timedelta(seconds=expires_in)
        policy = {
            "expiration": expires_at.isoformat(),
            "conditions": {"key": key, "Content-Type": content_type, "content-length-range": [min_size, max_size]},
        }
        policy_text = base64.b64encode(json.dumps(policy, separators=(",", ":")).encode()).decode()
        fields = {
            "key": key,
            "Content-Type": content_type,
            "policy": policy_text,
            SIGNATURE_FIELD: self._sign("POST\n" + policy_text),
        }
        return PresignedPost(url=self.base_url + UPLOAD_PATH, fields=fields, expires_at=expires_at)

    async def presign_get(self, key: str, *, expires_in: int) -> str:
        check_key(key)
        expires = str(int(time.time()) + expires_in)
        query = urlencode({"expires": expires, "signature": self._sign(f"GET\n{key}\n{expires}")})
        return f"{self.base_url}{DOWNLOAD_PATH}{quote(key)}?{query}"

    async def head(self, key: str) -> ObjectInfo | None:
        path = self.path_for(key)

        def stat() -> ObjectInfo | None:
            if not path.is_file():
                return None
            return ObjectInfo(size=path.stat().st_size, content_type=mimetypes.guess_type(path.name)[0])

        return await asyncio.to_thread(stat)

    async def read_prefix(self, key: str, length: int) -> bytes:
        path = self.path_for(key)

        def read() -> bytes:
            with path.open("rb") as source:
                return source.read(length)

        return await asyncio.to_thread(read)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self.path_for(key).read_bytes)

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        await asyncio.to_thread(self.write_stream, key, io.BytesIO(data))

    async def copy(self, source_key: str, target_key: str) -> None:
        source = self.path_for(source_key)

        def copy() -> None:
            with source.open("rb") as stream:
                self.write_stream(target_key, stream)

        await asyncio.to_thread(copy)

    async def delete(self, keys: list[str]) -> None:
        paths = [self.path_for(key) for key in keys]

        def remove() -> None:
            for path in paths:
                path.unlink(missing_ok=True)

        await asyncio.to_thread(remove)

    async def prepare(self, *, expire_prefix: str | None = None, expire_days: int | None = None) -> None:
        await asyncio.to_thread(self.root.mkdir, parents=True, exist_ok=True)
