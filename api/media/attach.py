"""Attaching uploaded media to a report.

The report submission calls ``check_attachable`` before its transaction (it
reads the storage) and ``link`` inside it.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from api.errors import FieldProblem, ValidationFailed
from api.media import messages  # noqa: F401 - registers the media messages
from api.media import processing
from api.media.limits import limit_for, max_megabytes
from api.media.verify import TOO_LARGE, verify_upload
from api.models.media import Media, MediaStatus

if TYPE_CHECKING:
    from api.models.reports import Report

FIELD = "mediaIds"
NOT_FOUND = "MEDIA_NOT_FOUND"
ALREADY_ATTACHED = "MEDIA_ALREADY_ATTACHED"
REJECTED = "MEDIA_REJECTED"


def _parse_ids(media_ids: list[str]) -> list[uuid.UUID | None]:
    parsed: list[uuid.UUID | None] = []
    for raw in media_ids:
        try:
            parsed.append(uuid.UUID(str(raw)))
        except ValueError:
            parsed.append(None)
    return parsed


def _problem(code: str, position: int, media: Media | None = None) -> FieldProblem:
    params: dict[str, object] = {"position": position}
    if code == TOO_LARGE and media is not None:
        params["max_mb"] = max_megabytes(limit_for(media.kind).max_bytes)
    return FieldProblem(FIELD, code, params)


async def check_attachable(*, owner_id: uuid.UUID, media_ids: list[str]) -> list[Media]:
    """Return the media in the given order when every id is the owner's uploaded, unattached media.

    Raises ValidationFailed (field "mediaIds") otherwise. Unknown ids and ids of
    someone else's media get the same MEDIA_NOT_FOUND, so existence does not
    leak. Uploads not checked before are checked on the storage here. A bad
    object is deleted, and a good one starts processing in the background.
    Call it before the report's transaction: it reads the storage and records
    the outcome of each check.
    """
    # Duplicates collapse to one attachment.
    ordered = list(dict.fromkeys(_parse_ids(media_ids)))
    known_ids = [media_id for media_id in ordered if media_id is not None]
    found = {m.id: m for m in await Media.filter(id__in=known_ids, owner_id=owner_id)} if known_ids else {}

    problems: list[FieldProblem] = []
    accepted: list[Media] = []
    for position, media_id in enumerate(ordered, start=1):
        media = found.get(media_id) if media_id is not None else None
        if media is None:
            problems.append(_problem(NOT_FOUND, position))
            continue
        if media.report_id is not None:
            problems.append(_problem(ALREADY_ATTACHED, position))
            continue
        if media.status is MediaStatus.FAILED:
            problems.append(_problem(REJECTED, position))
            continue

        was_verified = media.uploaded_at is not None
        failure = await verify_upload(media)
        if failure is not None:
            problems.append(_problem(failure, position, media))
            continue
        if not was_verified:
            processing.schedule(media.id)
        accepted.append(media)

    if problems:
        raise ValidationFailed(problems)
    return accepted


async def link(report: Report, media: list[Media]) -> None:
    """Attach checked media to a report. Call inside the report submission's transaction.

    The update is conditional, so media attached elsewhere or rejected since
    ``check_attachable`` raises ValidationFailed and the transaction rolls back.
    """
    if not media:
        return
    ids = [m.id for m in media]
    updated = await (
        Media.filter(id__in=ids, report_id=None)
        .exclude(status=MediaStatus.FAILED)
        .update(report_id=report.id)
    )
    if updated != len(ids):
        current = {m.id: m for m in await Media.filter(id__in=ids)}
        problems = []
        for position, media_id in enumerate(ids, start=1):
            row = current.get(media_id)
            if row is None:
                problems.append(_problem(NOT_FOUND, position))
            elif row.status is MediaStatus.FAILED:
                problems.append(_problem(REJECTED, position))
            elif row.report_id != report.id:
                problems.append(_problem(ALREADY_ATTACHED, position))
        raise ValidationFailed(problems or [_problem(ALREADY_ATTACHED, 1)])
    for item in media:
        item.report_id = report.id

