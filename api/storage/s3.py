"""S3 backend through boto3: AWS S3, MinIO, SeaweedFS, Aliyun OSS and other S3-compatible services.

boto3 is synchronous, so every call runs in a worker thread (asyncio.to_thread).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from api.storage.base import ObjectInfo, PresignedPost, Storage, StorageError, check_key

logger = logging.getLogger(__name__)

_MISSING_CODES = {"404", "NoSuchKey", "NotFound"}
_DELETE_BATCH = 1000


class S3Storage(Storage):
    name = "s3"

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None,
        region: str,
        access_key_id: str | None,
        secret_access_key: str | None,
        addressing_style: str = "path",
    ) -> None:
        self.bucket = bucket
        # A boto3 client is thread-safe, so one client serves every worker thread.
        self._client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region,
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": addressing_style},
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5,
                read_timeout=30,
            ),
        )

    async def _call(self, operation: str, **params: Any) -> Any:
        try:
            return await asyncio.to_thread(getattr(self._client, operation), **params)
        except ClientError:
            raise
        except BotoCoreError as error:
            logger.warning("s3 call failed", extra={"operation": operation, "error": str(error)})
            raise StorageError(f"S3 {operation} failed: {error}") from error

    async def presign_post(
        self, *, key: str, content_type: str, min_size: int, max_size: int, expires_in: int
    ) -> PresignedPost:
        check_key(key)
        expires_at = datetime.now(UTC) + timedelta(seconds=expires_in)
        presigned = await self._call(
            "generate_presigned_post",
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", min_size, max_size]],
            ExpiresIn=expires_in,
        )
        return PresignedPost(url=presigned["url"], fields=dict(presigned["fields"]), expires_at=expires_at)

    async def presign_get(self, key: str, *, expires_in: int) -> str:
        check_key(key)
        return await self._call(
            "generate_presigned_url",
            ClientMethod="get_object",
            Params={"Bucket": self.bucket, "Key": key},
            ExpiresIn=expires_in,
        )

    async def head(self, key: str) -> ObjectInfo | None:
        check_key(key)
        try:
            response = await self._call("head_object", Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING_CODES:
                return None
            raise StorageError(f"S3 head_object failed: {error}") from error
        return ObjectInfo(size=int(response["ContentLength"]), content_type=response.get("ContentType"))

    async def read_prefix(self, key: str, length: int) -> bytes:
        check_key(key)
        try:
            response = await self._call("get_object", Bucket=self.bucket, Key=key, Range=f"bytes=0-{length - 1}")
            return await asyncio.to_thread(response["Body"].read)
        except ClientError as error:
            raise StorageError(f"S3 get_object failed: {error}") from error

    async def get(self, key: str) -> bytes:
        check_key(key)
        try:
            response = await self._call("get_object", Bucket=self.bucket, Key=key)
            return await asyncio.to_thread(response["Body"].read)
        except ClientError as error:
            raise StorageError(f"S3 get_object failed: {error}") from error

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        check_key(key)
        try:
            await self._call("put_object", Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)
        except ClientError as error:
            raise StorageError(f"S3 put_object failed: {error}") from error

    async def copy(self, source_key: str, target_key: str) -> None:
        check_key(source_key)
        check_key(target_key)
        try:
            await self._call(
                "copy_object",
                Bucket=self.bucket,
                Key=target_key,
                CopySource={"Bucket": self.bucket, "Key": source_key},
            )
        except ClientError as error:
            raise StorageError(f"S3 copy_object failed: {error}") from error

    async def delete(self, keys: list[str]) -> None:
        for key in keys:
            check_key(key)
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = keys[start : start + _DELETE_BATCH]
            try:
                response = await self._call(
                    "delete_objects",
                    Bucket=self.bucket,
                    Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
                )
            except ClientError as error:
                raise StorageError(f"S3 delete_objects failed: {error}") from error
            if response.get("Errors"):
                raise StorageError(f"S3 delete_objects left {len(response['Errors'])} objects")

    async def prepare(self, *, expire_prefix: str | None = None, expire_days: int | None = None) -> None:
        """Create the bucket when missing and add a rule that expires abandoned uploads.

        Some S3-compatible services do not implement lifecycle rules. There a
        warning is logged and the cleanup command alone removes abandoned uploads.
        """
        try:
            await self._call("head_bucket", Bucket=self.bucket)
        except ClientError:
            await self._call("create_bucket", Bucket=self.bucket)
            logger.info("bucket created", extra={"bucket": self.bucket})
        if not expire_prefix or not expire_days:
            return
        rule = {
            "ID": "expire-abandoned-uploads",
            "Filter": {"Prefix": expire_prefix},
            "Status": "Enabled",
            "Expiration": {"Days": expire_days},
        }
        try:
            rules = await self._lifecycle_rules()
            rules = [existing for existing in rules if existing.get("ID") != rule["ID"]] + [rule]
            await self._call(
                "put_bucket_lifecycle_configuration",
                Bucket=self.bucket,
                LifecycleConfiguration={"Rules": rules},
            )
        except ClientError as error:
            logger.warning(
                "lifecycle rule not applied; rely on the cleanup command",
                extra={"bucket": self.bucket, "error": str(error)},
            )

    async def _lifecycle_rules(self) -> list[dict[str, Any]]:
        """Return the bucket's current lifecycle rules, so adding ours keeps the others."""
        try:
            response = await self._call("get_bucket_lifecycle_configuration", Bucket=self.bucket)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "NoSuchLifecycleConfiguration":
                return []
            raise
        return list(response.get("Rules", []))
