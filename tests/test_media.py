"""Media end to end: upload slot, presigned POST, checks on the storage, processing and who gets URLs.

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
from api.models.catalogue import Category, Department
from api.models.media import Media, MediaStatus
from api.models.organisation import Jurisdiction
from api.models.reports import CoordinateSystem, DispatchRole, Report, ReportDispatch
from api.storage.base import Storage
from tests import factories
from tests.graphql_client import GraphQLClient
from tests.s3server import fetch, post_upload, s3_server, storage  # noqa: F401 - fixtures

SLOT = """
mutation Slot($input: MediaUploadCreateInput!) {
  mediaUploadCreate(input: $input) {
    media { id kind status contentType sizeBytes displayUrl }
    upload { url fileField expiresAt fields { name value } }
    errors { field code message }
  }
}
"""

MEDIA = """
query Media($id: ID!) {
  media(id: $id) { id status kind displayUrl thumbnailUrl urlsExpireAt }
}
"""

COMPLETE = """
mutation Complete($id: ID!) {
  mediaUploadComplete(id: $id) { media { id status } errors { field code } }
}
"""

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def photo_with_metadata(width: int = 400, height: int = 200) -> bytes:
    """Build a JPEG whose EXIF orientation is "rotate 90° clockwise", with a GPS position, camera make and serial."""
    image = Image.new("RGB", (width, height), "white")
    # A red block in the top-left corner as stored; after rotation by 90° clockwise it is top-right.
    image.paste((255, 0, 0), (0, 0, 40, 40))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Model X"
    exif[0xA431] = "SERIAL-123456"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (30.0, 49.0, 12.5), 3: "E", 4: (104.0, 9.0, 3.25)})
    output = io.BytesIO()
    image.save(output, "JPEG", exif=exif.tobytes(), quality=90)
    return output.getvalue()


async def request_slot(
    client: GraphQLClient, token: str, *, kind: str = "PHOTO", content_type: str = "image/jpeg", size: int
):  # type: ignore[no-untyped-def]
    variables = {"input": {"kind": kind, "contentType": content_type, "sizeBytes": size}}
    return await client.execute(SLOT, variables, token=token)


async def upload(client: GraphQLClient, token: str, content: bytes, *, kind: str = "PHOTO",
                 content_type: str = "image/jpeg", sent_type: str | None = None) -> str:
    """Ask for a slot and upload through its presigned POST; return the media id."""
    result = await request_slot(client, token, kind=kind, content_type=content_type, size=len(content))
    payload = result.data["mediaUploadCreate"]
    assert payload["errors"] == []
    upload_form = payload["upload"]
    fields = {field["name"]: field["value"] for field in upload_form["fields"]}
    response = await post_upload(
        upload_form["url"], fields, content, content_type=sent_type or content_type, file_field=upload_form["fileField"]
    )
    assert response.status_code == 204, response.text
    return payload["media"]["id"]


async def make_report(reporter_id: str, category_code: str = "garbage") -> Report:
    """A report dispatched to the owner department of its category, written directly (no submission flow)."""
    jurisdiction = await Jurisdiction.get(code="dafeng")
    category = await Category.get(jurisdiction_id=jurisdiction.id, code=category_code)
    report = await Report.create(
        jurisdiction_id=jurisdiction.id, reporter_id=reporter_id, category_id=category.id,
        latitude=30.8, longitude=104.15, submitted_latitude=30.8, submitted_longitude=104.15,
        submitted_coordinate_system=CoordinateSystem.WGS84,
    )
    department = await Department.get(jurisdiction_id=jurisdiction.id, grants__category_id=category.id)
    await ReportDispatch.create(report_id=report.id, department_id=department.id, role=DispatchRole.OWNER)
    return report


async def attach(owner_id: str, media_ids: list[str], report: Report) -> list[Media]:
    media = await check_attachable(owner_id=uuid.UUID(owner_id), media_ids=media_ids)
    async with in_transaction():
        await link(report, media)
    await processing.drain()
    return media


def problem_codes(error: pytest.ExceptionInfo[ValidationFailed]) -> list[tuple[str | None, str]]:
    return [(problem.field, problem.code) for problem in error.value.problems]


async def test_limits_query_lists_kinds(client: GraphQLClient) -> None:
    result = await client.execute("{ mediaLimits { kind maxBytes contentTypes } }")

    limits = {item["kind"]: item for item in result.data["mediaLimits"]}
    assert limits["PHOTO"]["maxBytes"] == 15 * 1024 * 1024
    assert limits["PHOTO"]["contentTypes"] == ["image/jpeg", "image/png", "image/heic", "image/webp"]
    assert limits["VIDEO"]["maxBytes"] == 100 * 1024 * 1024
    assert limits["VIDEO"]["contentTypes"] == ["video/mp4", "video/quicktime"]
    assert limits["AUDIO"]["maxBytes"] == 10 * 1024 * 1024
    assert "audio/amr" in limits["AUDIO"]["contentTypes"]


async def test_slot_pins_key_type_and_size(client: GraphQLClient, catalogue: None, storage: Storage) -> None:
    courier = await factories.active_courier(client)

    result = await request_slot(client, courier.access_token, size=1234)

    payload = result.data["mediaUploadCreate"]
    assert payload["errors"] == []
    assert payload["media"]["status"] == "PENDING"
    assert payload["media"]["displayUrl"] is None
    fields = {field["name"]: field["value"] for field in payload["upload"]["fields"]}
    media = await Media.get(id=payload["media"]["id"])
    assert fields["key"] == media.object_key
    assert fields["Content-Type"] == "image/jpeg"
    jurisdiction = await Jurisdiction.get(code="dafeng")
    assert media.object_key.startswith(f"uploads/{jurisdiction.id}/")
    assert len(media.object_key.rsplit("/", 1)[1]) >= 32
    assert media.declared_size == 1234


@pytest.mark.parametrize(
    ("kind", "content_type", "size", "expected"),
    [
        ("PHOTO", "image/gif", 100, [("contentType", "MEDIA_CONTENT_TYPE_UNSUPPORTED")]),
        ("PHOTO", "video/mp4", 100, [("contentType", "MEDIA_CONTENT_TYPE_UNSUPPORTED")]),
        ("PHOTO", "image/jpeg", 15 * 1024 * 1024 + 1, [("sizeBytes", "MEDIA_TOO_LARGE")]),
        ("VIDEO", "video/mp4", 0, [("sizeBytes", "MEDIA_SIZE_INVALID")]),
        ("AUDIO", "audio/amr", -5, [("sizeBytes", "MEDIA_SIZE_INVALID")]),
    ],
)
async def test_slot_invalid_request_rejected(
    client: GraphQLClient, catalogue: None, kind: str, content_type: str, size: int, expected: list
) -> None:
    courier = await factories.active_courier(client)

    result = await request_slot(client, courier.access_token, kind=kind, content_type=content_type, size=size)

    payload = result.data["mediaUploadCreate"]
    assert [(error["field"], error["code"]) for error in payload["errors"]] == expected
    assert payload["upload"] is None
    assert await Media.all().count() == 0


async def test_slot_message_in_english(client: GraphQLClient, catalogue: None) -> None:
    courier = await factories.active_courier(client)

    result = await client.execute(
        SLOT, {"input": {"kind": "PHOTO", "contentType": "image/jpeg", "sizeBytes": 16 * 1024 * 1024}},
        token=courier.access_token, language="en",
    )

    assert result.data["mediaUploadCreate"]["errors"][0]["message"] == (
        "The file is too large: the maximum for this kind is 15 MB."
    )


async def test_slot_only_for_active_couriers(client: GraphQLClient, catalogue: None) -> None:
    staff = await factories.staff(client, "urban-management")

    anonymous = await request_slot(client, "", size=10)
    as_staff = await request_slot(client, staff.access_token, size=10)

    assert anonymous.error_code == "UNAUTHENTICATED"
    assert as_staff.error_code == "FORBIDDEN"
    assert await Media.all().count() == 0


async def test_photo_processed_and_visible_to_department(
    client: GraphQLClient, catalogue: None, storage: Storage
) -> None:
    # given a courier's photo with GPS, camera serial and a rotate-90 orientation, uploaded and attached
    courier = await factories.active_courier(client)
    original = photo_with_metadata()
    media_id = await upload(client, courier.access_token, original)
    report = await make_report(courier.user_id)

    attached = await attach(courier.user_id, [media_id], report)

    # then the photo is processed, the original deleted
    assert [str(m.id) for m in attached] == [media_id]
    media = await Media.get(id=media_id)
    assert media.status is MediaStatus.READY
    assert media.report_id == report.id
    assert await storage.head(media.object_key) is None
    assert media.display_key is not None and media.thumbnail_key is not None

    # and the owner department gets URLs to a clean, upright image
    owner_staff = await factories.staff(client, "urban-management")
    result = await client.execute(MEDIA, {"id": media_id}, token=owner_staff.access_token)
    item = result.data["media"]
    assert item["status"] == "READY"
    display = await fetch(item["displayUrl"])
    assert display.status_code == 200
    assert display.headers["content-type"] == "image/jpeg"
    shown = Image.open(io.BytesIO(display.content))
    assert shown.size == (200, 400)
    assert shown.getpixel((195, 5))[0] > 200 and shown.getpixel((195, 5))[1] < 60
    assert dict(shown.getexif()) == {}
    assert "exif" not in shown.info and "xmp" not in shown.info
    for marker in (b"Exif", b"PhoneMaker", b"SERIAL-123456", b"http://ns.adobe.com/xap/"):
        assert marker not in display.content
    thumbnail = await fetch(item["thumbnailUrl"])
    assert Image.open(io.BytesIO(thumbnail.content)).size == (160, 320)
    assert b"SERIAL-123456" not in thumbnail.content


async def test_courier_reads_own_media(client: GraphQLClient, catalogue: None, storage: Storage) -> None:
    courier = await factories.active_courier(client)
    media_id = await upload(client, courier.access_token, photo_with_metadata())
    await attach(courier.user_id, [media_id], await make_report(courier.user_id))

    result = await client.execute(MEDIA, {"id": media_id}, token=courier.access_token)

    assert result.data["media"]["displayUrl"]
    assert (await fetch(result.data["media"]["displayUrl"])).status_code == 200


async def test_others_get_no_url(client: GraphQLClient, catalogue: None, storage: Storage) -> None:
    courier = await factories.active_courier(client)
    other_courier = await factories.active_courier(client)
    media_id = await upload(client, courier.access_token, photo_with_metadata())
    await attach(courier.user_id, [media_id], await make_report(courier.user_id, "garbage"))
    traffic_police = await factories.staff(client, "traffic-police")

    for token in (traffic_police.access_token, other_courier.access_token, None):
        result = await client.execute(MEDIA, {"id": media_id}, token=token)
        assert result.error_code == "NOT_FOUND"
        assert result.body["data"] is None


async def test_admin_of_jurisdiction_reads_media(client: GraphQLClient, catalogue: None, storage: Storage) -> None:
    courier = await factories.active_courier(client)
    media_id = await upload(client, courier.access_token, photo_with_metadata())
    await attach(courier.user_id, [media_id], await make_report(courier.user_id))
    admin = await factories.admin(client)

    result = await client.execute(MEDIA, {"id": media_id}, token=admin.access_token)

    assert result.data["media"]["displayUrl"]


async def test_unattached_media_hidden_from_staff(client: GraphQLClient, catalogue: None, storage: Storage) -> None:
    courier = await factories.active_courier(client)
    media_id = await upload(client, courier.access_token, photo_with_metadata())
    admin = await factories.admin(client)

    result = await client.execute(MEDIA, {"id": media_id}, token=admin.access_token)

    assert result.error_code == "NOT_FOUND"


async def test_urls_expire(client: GraphQLClient, catalogue: None, storage: Storage, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from api.config import get_settings

    courier = await factories.active_courier(client)
    media_id = await upload(client, courier.access_token, photo_with_metadata())
    await attach(courier.user_id, [media_id], await make_report(courier.user_id))
    monkeypatch.setattr(get_settings(), "media_download_url_seconds", 1)

    result = await client.execute(MEDIA, {"id": media_id}, token=courier.access_token)
    await asyncio.sleep(2.2)

    assert (await fetch(result.data["media"]["displayUrl"])).status_code == 403
