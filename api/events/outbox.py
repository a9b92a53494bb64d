"""Writing and reading the event outbox.

Cursor order equals commit order: on PostgreSQL every transaction that appends
an event first takes one transaction-scoped advisory lock, so ids are drawn
and committed one transaction at a time, and a reader that has seen event N
will never later find a committed event below N. SQLite serialises writers by
itself. Rolled-back transactions leave permanent holes in the ids, which
readers skip.
"""

from __future__ import annotations

from tortoise import connections

from api.errors import ValidationFailed
from api.models.events import OutboxEvent
from api.models.reports import Report, TimelineEntry

# Key of the PostgreSQL advisory lock that orders outbox appends (an arbitrary, fixed 64-bit number).
ORDERING_LOCK_KEY = 7_305_118_402_611

MAX_CURSOR = 2**63 - 1


async def append(report: Report, entry: TimelineEntry) -> OutboxEvent:
    """Append the event of ``entry`` inside the caller's transaction."""
    connection = connections.get("default")
    if connection.capabilities.dialect == "postgres":
        # NOTE: the lock is held until commit, so a transaction that appends an event and then
        # waits on a row another appender holds can deadlock. PostgreSQL detects it and aborts one.
        await connection.execute_query("SELECT pg_advisory_xact_lock($1)", [ORDERING_LOCK_KEY])
    return await OutboxEvent.create(
        jurisdiction_id=report.jurisdiction_id,
        report_id=report.id,
        reporter_id=report.reporter_id,
        timeline_entry_id=entry.id,
        kind=entry.kind,
        department_id=entry.department_id,
        comment=entry.comment,
        visible_to_reporter=entry.visible_to_reporter,
        from_status=entry.from_status,
        to_status=entry.to_status,
        detail=entry.detail or {},
    )


async def latest_cursor() -> int:
    last = await OutboxEvent.all().order_by("-id").first().values_list("id", flat=True)
    return int(last or 0)


async def read_after(
    position: int,
    *,
    limit: int,
    jurisdiction_id: int | None = None,
    reporter_id: object | None = None,
) -> list[OutboxEvent]:
    """Committed events after ``position`` in cursor order, optionally of one jurisdiction or reporter."""
    query = OutboxEvent.filter(id__gt=position)
    if jurisdiction_id is not None:
        query = query.filter(jurisdiction_id=jurisdiction_id)
    if reporter_id is not None:
        query = query.filter(reporter_id=reporter_id)
    return await query.order_by("id").limit(limit)


def format_cursor(event_id: int) -> str:
    return str(event_id)


def parse_cursor(value: str | None, field_name: str = "after") -> int | None:
    """Parse a client's cursor. Cursors are opaque to clients but are decimal event ids here."""
    if value is None:
        return None
    text = value.strip()
    if not text.isdigit() or int(text) > MAX_CURSOR:
        raise ValidationFailed.single(field_name, "EVENT_CURSOR_INVALID")
    return int(text)
