"""Storage backends, local and S3 (SeaweedFS), through the same presigned POST protocol."""

from __future__ import annotations

import asyncio
import threading

import pytest

from api.storage.base import Storage
from api.storage.local import LocalStorage
from tests.s3server import fetch, post_upload, s3_server, storage  # noqa: F401 - fixtures

KEY = "uploads/1/2026/01/02/test-object"
JPEG_START = b"\xff\xd8\xff\xe0" + b"\x00" * 60


async def _presign(backend: Storage, *, max_size: int = 100, expires_in: int = 60, key: str = KEY):  # type: ignore[no-untyped-def]
    return await backend.presign_post(
        key=key, content_type="image/jpeg", min_size=1, max_size=max_size, expires_in=expires_in
    )


async def test_upload_within_policy_stored(storage: Storage) -> None:
    presigned = await _presign(storage)

    response = await post_upload(presigned.url, presigned.fields, JPEG_START, content_type="image/jpeg")

    assert response.status_code == 204, response.text
    info = await storage.head(KEY)
    assert info is not None
    assert info.size == len(JPEG_START)
    assert await storage.read_prefix(KEY, 4) == JPEG_START[:4]
    assert await storage.get(KEY) == JPEG_START


async def test_upload_wrong_content_type_rejected(storage: Storage) -> None:
    presigned = await _presign(storage)
    fields = dict(presigned.fields, **{"Content-Type": "image/png"})

    response = await post_upload(presigned.url, fields, JPEG_START, content_type="image/png")

    assert response.status_code == 403
    assert await storage.head(KEY) is None


async def test_upload_over_size_limit_rejected(storage: Storage) -> None:
    presigned = await _presign(storage, max_size=100)

    response = await post_upload(presigned.url, presigned.fields, JPEG_START + b"\x00" * 100, content_type="image/jpeg")

    assert response.status_code == 400
    assert "EntityTooLarge" in response.text
    assert await storage.head(KEY) is None


async def test_upload_other_key_rejected(storage: Storage) -> None:
    presigned = await _presign(storage)
    fields = dict(presigned.fields, key="uploads/1/2026/01/02/someone-else")

    response = await post_upload(presigned.url, fields, JPEG_START, content_type="image/jpeg")

    assert response.status_code == 403
    assert await storage.head("uploads/1/2026/01/02/someone-else") is None


async def test_upload_tampered_policy_rejected(storage: Storage) -> None:
    presigned = await _presign(storage)
    other = await _presign(storage, max_size=10_000_000)
    fields = dict(presigned.fields, policy=other.fields["policy"])

    response = await post_upload(presigned.url, fields, JPEG_START, content_type="image/jpeg")

    assert response.status_code == 403
    assert await storage.head(KEY) is None


async def test_upload_after_expiry_rejected(storage: Storage) -> None:
    presigned = await _presign(storage, expires_in=1)
    await asyncio.sleep(2.2)

    response = await post_upload(presigned.url, presigned.fields, JPEG_START, content_type="image/jpeg")

    assert response.status_code == 403
    assert await storage.head(KEY) is None


async def test_presigned_get_serves_then_expires(storage: Storage) -> None:
    await storage.put("media/1/2026/01/02/x/display.jpg", JPEG_START, content_type="image/jpeg")
    url = await storage.presign_get("media/1/2026/01/02/x/display.jpg", expires_in=1)

    first = await fetch(url)
    assert first.status_code == 200
    assert first.content == JPEG_START
    assert first.headers["content-type"] == "image/jpeg"

    await asyncio.sleep(2.2)
    expired = await fetch(url)
    assert expired.status_code == 403


async def test_presigned_get_tampered_rejected(storage: Storage) -> None:
    await storage.put("media/1/2026/01/02/x/display.jpg", JPEG_START, content_type="image/jpeg")
    await storage.put("media/1/2026/01/02/y/display.jpg", b"other", content_type="image/jpeg")
    url = await storage.presign_get("media/1/2026/01/02/x/display.jpg", expires_in=60)

    response = await fetch(url.replace("/x/display.jpg", "/y/display.jpg"))

    assert response.status_code == 403


async def test_copy_and_delete(storage: Storage) -> None:
    await storage.put(KEY, JPEG_START, content_type="image/jpeg")

    await storage.copy(KEY, "media/1/copy.jpg")
    await storage.delete([KEY, "uploads/never-existed"])

    assert await storage.head(KEY) is None
    assert await storage.get("media/1/copy.jpg") == JPEG_START


async def test_missing_object_head_is_none(storage: Storage) -> None:
    assert await storage.head("uploads/1/nothing-here") is None


@pytest.mark.parametrize("key", ["../etc/passwd", "/absolute", "uploads/../../x", "", "a//b", "sp ace"])
async def test_invalid_key_rejected(storage: Storage, key: str) -> None:
    with pytest.raises(ValueError):
        await storage.head(key)


async def test_local_upload_without_length_rejected(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import httpx

    from api.app import create_app
    from api.storage import use_storage

    use_storage(LocalStorage(root=tmp_path, base_url="http://127.0.0.1:8000", secret=b"k" * 32))
    try:
        transport = httpx.ASGITransport(app=create_app(manage_database=False))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:

            async def body():  # type: ignore[no-untyped-def]
                yield b"--x\r\n"

            response = await http.post("/media/upload", content=body(), headers={"content-type": "multipart/form-data; boundary=x"})
    finally:
        use_storage(None)

    assert response.status_code == 411


async def test_s3_lifecycle_rule_expires_uploads(s3_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    import uuid

    from api.storage.s3 import S3Storage

    backend = S3Storage(
        bucket=f"fxx-{uuid.uuid4().hex[:16]}", endpoint_url=s3_server.endpoint_url, region="us-east-1",
        access_key_id=s3_server.access_key_id, secret_access_key=s3_server.secret_access_key,
    )

    await backend.prepare(expire_prefix="uploads/", expire_days=2)
    await backend.prepare(expire_prefix="uploads/", expire_days=3)

    rules = s3_server.client().get_bucket_lifecycle_configuration(Bucket=backend.bucket)["Rules"]
    assert len(rules) == 1
    assert rules[0]["Filter"] == {"Prefix": "uploads/"}
    assert rules[0]["Expiration"] == {"Days": 3}


async def test_s3_calls_run_off_event_loop(s3_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    import uuid

    from api.storage.s3 import S3Storage

    backend = S3Storage(
        bucket=f"fxx-{uuid.uuid4().hex[:16]}", endpoint_url=s3_server.endpoint_url, region="us-east-1",
        access_key_id=s3_server.access_key_id, secret_access_key=s3_server.secret_access_key,
    )
    loop_thread = threading.get_ident()
    threads: list[int] = []
    real_head = backend._client.head_object

    def recording_head(**params):  # type: ignore[no-untyped-def]
        threads.append(threading.get_ident())
        return real_head(**params)

    backend._client.head_object = recording_head  # spy on the real client: the call still reaches SeaweedFS
    await backend.prepare()

    assert await backend.head("uploads/none") is None
    assert threads
    assert loop_thread not in threads
