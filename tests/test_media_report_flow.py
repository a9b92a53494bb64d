"""The whole path: phone → presigned POST → storage → report submission → processing → department URLs.

Runs on SQLite and PostgreSQL, and on the local and S3 (SeaweedFS) storage backends.
"""

from __future__ import annotations

import io
import uuid

from PIL import Image

from api.media import processing
from api.models.media import Media, MediaStatus
from api.storage.base import Storage
from tests import factories
from tests.graphql_client import GraphQLClient
from tests.report_factories import DAFENG
from tests.s3server import fetch, s3_server, storage  # noqa: F401 - fixtures
from tests.test_media import photo_with_metadata, upload

SUBMIT = """
mutation Submit($input: ReportSubmitInput!) {
  reportSubmit(input: $input) { report { id } errors { field code } }
}
"""

REPORT_MEDIA = """
query Report($id: ID!) {
  report(id: $id) { id media { id kind status displayUrl thumbnailUrl } }
}
"""


def submission(media_ids: list[str]) -> dict:
    return {
        "input": {
            "categoryCode": "garbage",
            "location": {"latitude": DAFENG[0], "longitude": DAFENG[1], "coordinateSystem": "WGS84"},
            "idempotencyKey": uuid.uuid4().hex,
            "description": "垃圾堆积",
            "mediaIds": media_ids,
        }
    }


async def test_photo_reaches_owner_department(client: GraphQLClient, catalogue: None, storage: Storage) -> None:
    # given a courier who uploads a photo through the presigned POST and submits a report with it
    courier = await factories.active_courier(client)
    media_id = await upload(client, courier.access_token, photo_with_metadata())

    submitted = await client.execute(SUBMIT, submission([media_id]), token=courier.access_token)
    await processing.drain()

    payload = submitted.data["reportSubmit"]
    assert payload["errors"] == []
    report_id = payload["report"]["id"]
    assert (await Media.get(id=media_id)).status is MediaStatus.READY

    # then the department that owns the category sees the processed photo without metadata
    owner_staff = await factories.staff(client, "urban-management")
    seen = await client.execute(REPORT_MEDIA, {"id": report_id}, token=owner_staff.access_token)
    [item] = seen.data["report"]["media"]
    assert item["id"] == media_id
    assert item["status"] == "READY"
    display = await fetch(item["displayUrl"])
    assert display.status_code == 200
    image = Image.open(io.BytesIO(display.content))
    assert image.size == (200, 400)
    assert dict(image.getexif()) == {}
    assert b"SERIAL-123456" not in display.content

    # and a department without the category sees neither the report nor the media
    traffic_police = await factories.staff(client, "traffic-police")
    hidden = await client.execute(REPORT_MEDIA, {"id": report_id}, token=traffic_police.access_token)
    assert hidden.error_code == "NOT_FOUND"


async def test_submit_with_foreign_media_rejected(client: GraphQLClient, catalogue: None, storage: Storage) -> None:
    owner = await factories.active_courier(client)
    other = await factories.active_courier(client)
    media_id = await upload(client, owner.access_token, photo_with_metadata())

    submitted = await client.execute(SUBMIT, submission([media_id]), token=other.access_token)

    payload = submitted.data["reportSubmit"]
    assert payload["report"] is None
    assert payload["errors"] == [{"field": "mediaIds", "code": "MEDIA_NOT_FOUND"}]
    assert (await Media.get(id=media_id)).report_id is None
