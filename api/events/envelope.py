"""Published events: an outbox row with a snapshot of its report and the report's audience.

The snapshot is built once per event from committed rows, after the change's
transaction ended, and is shared by every subscriber (and by every process,
through Redis). It never names the reporter: the reporter's id travels only in
the audience, which is used for filtering and is not sent to clients.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from api.events.visibility import Audience, audiences
from api.models.catalogue import Department
from api.models.events import OutboxEvent
from api.models.media import Media, MediaStatus
from api.models.reports import Report

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Envelope:
    cursor: int
    # The cursor of the committed event just before this one (rolled-back ids are skipped).
    previous: int
    kind: str
    occurred_at: datetime
    report_id: uuid.UUID
    audience: Audience
    visible_to_reporter: bool
    from_status: str | None
    to_status: str | None
    comment: str
    department: dict[str, Any] | None
    detail: dict[str, Any]
    report: dict[str, Any] = field(repr=False)

    @property
    def priority(self) -> str:
        return self.report["category"]["priority"]

    def to_json(self) -> str:
        return json.dumps(
            {
                "cursor": self.cursor,
                "previous": self.previous,
                "kind": self.kind,
                "occurred_at": self.occurred_at.isoformat(),
                "report_id": str(self.report_id),
                "audience": self.audience.to_json(),
                "visible_to_reporter": self.visible_to_reporter,
                "from_status": self.from_status,
                "to_status": self.to_status,
                "comment": self.comment,
                "department": self.department,
                "detail": self.detail,
                "report": self.report,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> "Envelope":
        data = json.loads(text)
        return cls(
            cursor=int(data["cursor"]),
            previous=int(data["previous"]),
            kind=data["kind"],
            occurred_at=datetime.fromisoformat(data["occurred_at"]),
            report_id=uuid.UUID(data["report_id"]),
            audience=Audience.from_json(data["audience"]),
            visible_to_reporter=bool(data["visible_to_reporter"]),
            from_status=data.get("from_status"),
            to_status=data.get("to_status"),
            comment=data.get("comment", ""),
            department=data.get("department"),
            detail=data.get("detail") or {},
            report=data["report"],
        )


async def build(events: list[OutboxEvent], previous: int) -> list[Envelope]:
    """Envelopes of ``events``, which follow the event ``previous`` in cursor order without a gap."""
    if not events:
        return []
    report_ids = list({e.report_id for e in events})
    reports = {
        r.id: r
        for r in await Report.filter(id__in=report_ids).select_related("category", "community")
    }
    audience_by_report = await audiences(list(reports.values()))
    media_by_report = await _media(report_ids)
    department_ids = {e.department_id for e in events if e.department_id is not None}
    departments = {d.id: d for d in await Department.filter(id__in=department_ids)}

    envelopes = []
    for event in events:
        report = reports.get(event.report_id)
        if report is None:
            logger.warning("event of a missing report skipped", extra={"cursor": event.id})
            continue
        before, previous = previous, event.id
        department = departments.get(event.department_id) if event.department_id is not None else None
        envelopes.append(
            Envelope(
                cursor=event.id,
                previous=before,
                kind=event.kind.value,
                occurred_at=event.created_at,
                report_id=report.id,
                audience=audience_by_report[report.id],
                visible_to_reporter=event.visible_to_reporter,
                from_status=event.from_status.value if event.from_status else None,
                to_status=event.to_status.value if event.to_status else None,
                comment=event.comment,
                department=_department_snapshot(department),
                detail=dict(event.detail or {}),
                report=_report_snapshot(report, media_by_report.get(report.id, [])),
            )
        )
    return envelopes


def _department_snapshot(department: Department | None) -> dict[str, Any] | None:
    if department is None:
        return None
    return {"id": department.id, "code": department.code, "name_zh": department.name_zh, "name_en": department.name_en}


def _report_snapshot(report: Report, media: list[dict[str, Any]]) -> dict[str, Any]:
    category = report.category
    community = report.community
    return {
        "id": str(report.id),
        "status": report.status.value,
        "submitted_at": report.created_at.isoformat(),
        "category": {
            "code": category.code,
            "name_zh": category.name_zh,
            "name_en": category.name_en,
            "priority": category.priority.value,
            "emergency_call": category.emergency_call,
        },
        "description": report.description,
        "other_text": report.other_text,
        "latitude": report.latitude,
        "longitude": report.longitude,
        "accuracy_m": report.accuracy_m,
        "address": report.address,
        "community": {"code": community.code, "name_zh": community.name_zh, "name_en": community.name_en}
        if community is not None
        else None,
        "media": media,
    }


async def _media(report_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """READY media of each report with presigned URLs, which only the report's audience receives."""
    from api.media.access import presigned_urls

    result: dict[uuid.UUID, list[dict[str, Any]]] = {}
    rows = await Media.filter(report_id__in=report_ids, status=MediaStatus.READY).order_by("created_at", "id")
    for row in rows:
        try:
            urls = await presigned_urls(row)
        except Exception:  # noqa: BLE001 - an event without URLs beats no event; the client can query the media
            logger.exception("presigning media of an event failed", extra={"media_id": str(row.id)})
            urls = None
        result.setdefault(row.report_id, []).append(
            {
                "id": str(row.id),
                "kind": row.kind.value,
                "content_type": row.content_type,
                "size_bytes": row.uploaded_size or row.declared_size,
                "status": row.status.value,
                "created_at": row.created_at.isoformat(),
                "display_url": urls.display if urls else None,
                "thumbnail_url": urls.thumbnail if urls else None,
                "urls_expire_at": urls.expires_at.isoformat() if urls else None,
            }
        )
    return result
