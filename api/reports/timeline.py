"""Writing timeline entries: the one place every report change is recorded.

Call ``record`` inside the same transaction as the change it describes, so the
history never disagrees with the report. Each entry also appends an event to
the outbox in that transaction, so an event exists exactly when its change
committed; ``api.events.publisher`` publishes it after the commit.
"""

from __future__ import annotations

import uuid

from api.events import outbox, runtime
from api.models.reports import Report, ReportStatus, TimelineEntry, TimelineKind


async def record(
    report: Report,
    kind: TimelineKind,
    *,
    actor_id: uuid.UUID | None,
    department_id: int | None = None,
    comment: str = "",
    visible_to_reporter: bool = True,
    from_status: ReportStatus | None = None,
    to_status: ReportStatus | None = None,
    detail: dict | None = None,
) -> TimelineEntry:
    entry = await TimelineEntry.create(
        report=report,
        kind=kind,
        actor_id=actor_id,
        department_id=department_id,
        comment=comment,
        visible_to_reporter=visible_to_reporter,
        from_status=from_status,
        to_status=to_status,
        detail=detail or {},
    )
    event = await outbox.append(report, entry)
    runtime.announce(event.id)
    return entry
