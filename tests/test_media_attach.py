"""Attaching media to a report: the checks on the storage and who may attach what.

Every test runs on SQLite and PostgreSQL, and on the local and S3 (SeaweedFS) storage backends.
"""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image
from tortoise.transactions import in_transaction

from api.errors import ValidationFailed
from api.media import processing
from api.media.attach import check_attachable, link
from api.media.housekeeping import delete_abandoned
from api.models.media import Media, MediaStatus
from api.storage.base import Storage
from tests import factories
from tests.graphql_client import GraphQLClient
from tests.s3server import s3_server, storage  # noqa: F401 - fixtures
from tests.test_media import COMPLETE, make_report, photo_with_metadata, problem_codes, request_slot, upload

# The first bytes of an MP4 file (ftyp box, brand isom) followed by filler.
MP4_BYTES = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00" * 200
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


async def test_someone_elses_media_not_found(client: GraphQLClient, catalogue: None, storage: Storage) -> None:
    owner = await factories.active_courier(client)
    thief = await factories.active_courier(client)
    media_id = await upload(client, owner.access_token, photo_with_metadata())

    with pytest.raises(ValidationFailed) as error:
        await check_attachable(owner_id=uuid.UUID(thief.user_id), media_ids=[media_id])

    assert problem_codes(error) == [("mediaIds", "MEDIA_NOT_FOUND")]
    media = await Media.get(id=media_id)
    assert media.report_id is None
    assert media.uploaded_at is None


async def test_unknown_and_malformed_ids_not_found(client: GraphQLClient, catalogue: None, storage: Storage) -> None:
    courier = await factories.active_courier(client)

    with pytest.raises(ValidationFailed) as error:
        await check_attachable(owner_id=uuid.UUID(courier.user_id), media_ids=[str(uuid.uuid4()), "not-a-uuid"])

    assert problem_codes(error) == [("mediaIds", "MEDIA_NOT_FOUND"), ("mediaIds", "MEDIA_NOT_FOUND")]
    assert [p.params["position"] for p in error.value.problems] == [1, 2]


async def test_attach_before_upload_rejected(client: GraphQLClient, catalogue: None, storage: Storage) -> None:
    courier = await factories.active_courier(client)
    result = await request_slot(client, courier.access_token, size=1000)
    media_id = result.data["mediaUploadCreate"]["media"]["id"]

    with pytest.raises(ValidationFailed) as error:
        await check_attachable(owner_id=uuid.UUID(courier.user_id), media_ids=[media_id])

    assert problem_codes(error) == [("mediaIds", "MEDIA_NOT_UPLOADED")]
    media = await Media.get(id=media_id)
    assert media.status is MediaStatus.PENDING
    assert media.uploaded_at is None


async def test_bytes_not_matching_type_deleted(client: GraphQLClient, catalogue: None, storage: Storage) -> None:
    # given PNG bytes uploaded under a JPEG slot (the storage only pins the declared header)
    courier = await factories.active_courier(client)
    media_id = await upload(client, courier.access_token, PNG_BYTES, content_type="image/jpeg")
    media = await Media.get(id=media_id)
    assert await storage.head(media.object_key) is not None

    with pytest.raises(ValidationFailed) as error:
        await check_attachable(owner_id=uuid.UUID(courier.user_id), media_ids=[media_id])

    assert problem_codes(error) == [("mediaIds", "MEDIA_TYPE_MISMATCH")]
    assert await storage.head(media.object_key) is None
    media = await Media.get(id=media_id)
    assert media.status is MediaStatus.FAILED
    assert media.failure_reason == "MEDIA_TYPE_MISMATCH"

    # and a second attempt is rejected without touching the storage again
    with pytest.raises(ValidationFailed) as again:
        await check_attachable(owner_id=uuid.UUID(courier.user_id), media_ids=[media_id])
    assert problem_codes(again) == [("mediaIds", "MEDIA_REJECTED")]


async def test_object_larger_than_declared_deleted(client: GraphQLClient, catalogue: None, storage: Storage) -> None:
    # given an object written past the policy (as a storage that does not enforce policies would allow)
    courier = await factories.active_courier(client)
    result = await request_slot(client, courier.access_token, size=100)
    media = await Media.get(id=result.data["mediaUploadCreate"]["media"]["id"])
    await storage.put(media.object_key, b"\xff\xd8\xff\xe0" + b"\x00" * 500, content_type="image/jpeg")

    with pytest.raises(ValidationFailed) as error:
        await check_attachable(owner_id=uuid.UUID(courier.user_id), media_ids=[str(media.id)])

    assert problem_codes(error) == [("mediaIds", "MEDIA_TOO_LARGE")]
    assert error.value.problems[0].params["max_mb"] == "15"
    assert await storage.head(media.object_key) is None
    assert (await Media.get(id=media.id)).status is MediaStatus.FAILED


async def test_already_attached_rejected(client: GraphQLClient, catalogue: None, storage: Storage) -> None:
    courier = await factories.active_courier(client)
    media_id = await upload(client, courier.access_token, photo_with_metadata())
    first = await make_report(courier.user_id)
    media = await check_attachable(owner_id=uuid.UUID(courier.user_id), media_ids=[media_id])
    async with in_transaction():
        await link(first, media)
    await processing.drain()

    with pytest.raises(ValidationFailed) as error:
        await check_attachable(owner_id=uuid.UUID(courier.user_id), media_ids=[media_id])

    assert problem_codes(error) == [("mediaIds", "MEDIA_ALREADY_ATTACHED")]


async def test_link_race_rolls_back(client: GraphQLClient, catalogue: None, storage: Storage) -> None:
    # given two submissions that both passed the check for the same media
    courier = await factories.active_courier(client)
    media_id = await upload(client, courier.access_token, photo_with_metadata())
    checked = await check_attachable(owner_id=uuid.UUID(courier.user_id), media_ids=[media_id])
    await processing.drain()
    first = await make_report(courier.user_id)
    second = await make_report(courier.user_id)
    async with in_transaction():
        await link(first, checked)

    with pytest.raises(ValidationFailed) as error:
        async with in_transaction():
            await link(second, checked)

    assert problem_codes(error) == [("mediaIds", "MEDIA_ALREADY_ATTACHED")]
    assert (await Media.get(id=media_id)).report_id == first.id


async def test_duplicate_ids_attach_once(client: GraphQLClient, catalogue: None, storage: Storage) -> None:
    courier = await factories.active_courier(client)
    media_id = await upload(client, courier.access_token, photo_with_metadata())

    media = await check_attachable(owner_id=uuid.UUID(courier.user_id), media_ids=[media_id, media_id])
    await processing.drain()

    assert [str(m.id) for m in media] == [media_id]


async def test_empty_list_attaches_nothing(client: GraphQLClient, catalogue: None, storage: Storage) -> None:
    courier = await factories.active_courier(client)

    assert await check_attachable(owner_id=uuid.UUID(courier.user_id), media_ids=[]) == []


async def test_undecodable_photo_rejected(client: GraphQLClient, catalogue: None, storage: Storage) -> None:
    # given bytes that start like a JPEG but are not one
    courier = await factories.active_courier(client)
    media_id = await upload(client, courier.access_token, b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 20)
    report = await make_report(courier.user_id)

    media = await check_attachable(owner_id=uuid.UUID(courier.user_id), media_ids=[media_id])
    async with in_transaction():
        await link(report, media)
    await processing.drain()

    stored = await Media.get(id=media_id)
    assert stored.status is MediaStatus.FAILED
    assert stored.failure_reason == "UNDECODABLE"
    assert stored.display_key is None
    assert await storage.head(stored.object_key) is None


async def test_video_stored_under_served_key(client: GraphQLClient, catalogue: None, storage: Storage) -> None:
    courier = await factories.active_courier(client)
    media_id = await upload(client, courier.access_token, MP4_BYTES, kind="VIDEO", content_type="video/mp4")

    await check_attachable(owner_id=uuid.UUID(courier.user_id), media_ids=[media_id])
    await processing.drain()

    media = await Media.get(id=media_id)
    assert media.status is MediaStatus.READY
    assert media.display_key is not None and media.display_key.endswith(".mp4")
    assert media.display_key.startswith("media/")
    assert await storage.get(media.display_key) == MP4_BYTES
    assert await storage.head(media.object_key) is None


async def test_complete_mutation_processes_early(client: GraphQLClient, catalogue: None, storage: Storage) -> None:
    courier = await factories.active_courier(client)
    media_id = await upload(client, courier.access_token, photo_with_metadata())

    result = await client.execute(COMPLETE, {"id": media_id}, token=courier.access_token)
    await processing.drain()

    assert result.data["mediaUploadComplete"]["errors"] == []
    media = await Media.get(id=media_id)
    assert media.status is MediaStatus.READY
    processed = Image.open(io.BytesIO(await storage.get(media.display_key)))
    assert dict(processed.getexif()) == {}


async def test_complete_mutation_other_owner_not_found(client: GraphQLClient, catalogue: None, storage: Storage) -> None:
    owner = await factories.active_courier(client)
    other = await factories.active_courier(client)
    media_id = await upload(client, owner.access_token, photo_with_metadata())

    result = await client.execute(COMPLETE, {"id": media_id}, token=other.access_token)

    assert result.error_code == "NOT_FOUND"
    assert (await Media.get(id=media_id)).uploaded_at is None


async def test_cleanup_deletes_unattached_only(client: GraphQLClient, catalogue: None, storage: Storage) -> None:
    from datetime import UTC, datetime, timedelta

    courier = await factories.active_courier(client)
    abandoned_id = await upload(client, courier.access_token, photo_with_metadata())
    kept_id = await upload(client, courier.access_token, photo_with_metadata())
    media = await check_attachable(owner_id=uuid.UUID(courier.user_id), media_ids=[kept_id])
    async with in_transaction():
        await link(await make_report(courier.user_id), media)
    await processing.drain()
    abandoned = await Media.get(id=abandoned_id)

    assert await delete_abandoned(max_age_hours=24) == 0
    deleted = await delete_abandoned(max_age_hours=24, now=datetime.now(UTC) + timedelta(hours=25))

    assert deleted == 1
    assert await Media.filter(id=abandoned_id).count() == 0
    assert await storage.head(abandoned.object_key) is None
    kept = await Media.get(id=kept_id)
    assert await storage.head(kept.display_key) is not None


async def test_process_pending_resumes(client: GraphQLClient, catalogue: None, storage: Storage) -> None:
    # given a verified upload whose background task never ran (a restart)
    from datetime import UTC, datetime

    courier = await factories.active_courier(client)
    media_id = await upload(client, courier.access_token, photo_with_metadata())
    media = await Media.get(id=media_id)
    await Media.filter(id=media_id).update(uploaded_at=datetime.now(UTC), uploaded_size=media.declared_size)

    assert await processing.process_pending() == 1
    assert await processing.process_pending() == 0
    assert (await Media.get(id=media_id)).status is MediaStatus.READY
