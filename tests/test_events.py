"""The event outbox, the hub's ordering rules and in-process publishing after commit."""

import asyncio
import uuid
from datetime import datetime, timezone

import pytest
from tortoise.transactions import in_transaction

from api.events import outbox, runtime
from api.events.envelope import Envelope
from api.events.hub import Hub, Outcome, SubscriberLagging
from api.events.visibility import Audience
from api.models.events import OutboxEvent
from api.models.reports import Report, TimelineKind
from api.reports import timeline
from tests import factories
from tests.report_factories import submitted


def envelope(cursor: int, previous: int) -> Envelope:
    return Envelope(
        cursor=cursor, previous=previous, kind="SUBMITTED", occurred_at=datetime.now(timezone.utc),
        report_id=uuid.uuid4(), audience=Audience(1, None, frozenset()), visible_to_reporter=True,
        from_status=None, to_status=None, comment="", department=None, detail={},
        report={"category": {"priority": "NORMAL"}},
    )


def test_hub_drops_duplicates_and_refuses_gaps():
    hub = Hub(position=5)
    inbox = hub.open(lambda item: True, capacity=10)

    assert hub.dispatch(envelope(6, 5)) is Outcome.DISPATCHED
    assert hub.dispatch(envelope(6, 5)) is Outcome.DUPLICATE
    assert hub.dispatch(envelope(9, 8)) is Outcome.GAP
    assert hub.dispatch(envelope(8, 6)) is Outcome.DISPATCHED
    assert hub.position == 8
    assert [inbox.queue.get_nowait().cursor for _ in range(inbox.queue.qsize())] == [6, 8]


async def test_inbox_overflow_raises_lagging():
    hub = Hub()
    inbox = hub.open(lambda item: True, capacity=2)

    for cursor in (1, 2, 3):
        hub.dispatch(envelope(cursor, cursor - 1))

    with pytest.raises(SubscriberLagging):
        await inbox.next()


def test_cursor_parsing():
    assert outbox.parse_cursor(None) is None
    assert outbox.parse_cursor(" 42 ") == 42
    for bad in ("", "-1", "abc", "1.5", str(2**63)):
        with pytest.raises(Exception) as raised:
            outbox.parse_cursor(bad)
        assert raised.value.problems[0].code == "EVENT_CURSOR_INVALID"


async def test_record_writes_outbox_event_in_transaction(client, catalogue):
    courier = await factories.active_courier(client)
    created = await submitted(client, courier.access_token)
    report = await Report.get(id=created["id"])
    before = await OutboxEvent.all().count()

    with pytest.raises(RuntimeError):
        async with in_transaction():
            await timeline.record(report, TimelineKind.NOTE, actor_id=None, comment="rolled back")
            raise RuntimeError("abort")
    async with in_transaction():
        entry = await timeline.record(report, TimelineKind.NOTE, actor_id=None, comment="kept", visible_to_reporter=False)

    events = await OutboxEvent.filter(report_id=report.id).order_by("id")
    assert await OutboxEvent.all().count() == before + 1
    assert [e.kind for e in events] == [TimelineKind.SUBMITTED, TimelineKind.DISPATCHED, TimelineKind.NOTE]
    assert events[-1].timeline_entry_id == entry.id
    assert events[-1].comment == "kept"
    assert events[-1].visible_to_reporter is False
    assert events[-1].reporter_id == report.reporter_id
    assert events[0].id < events[1].id < events[2].id


async def test_publisher_delivers_committed_event_in_process(client, catalogue):
    courier = await factories.active_courier(client)
    realtime = await runtime.start(webhooks=False)
    try:
        inbox = realtime.hub.open(lambda item: True, capacity=10)

        created = await submitted(client, courier.access_token)
        first = await asyncio.wait_for(inbox.next(), timeout=5)
        second = await asyncio.wait_for(inbox.next(), timeout=5)
    finally:
        await runtime.stop()

    assert [first.kind, second.kind] == ["SUBMITTED", "DISPATCHED"]
    assert str(first.report_id) == created["id"]
    assert second.previous == first.cursor
    assert first.report["category"]["code"] == "traffic-light"
    assert second.department["code"] == "traffic-police"
    assert "reporter" not in first.report
    assert first.audience.reporter_id == uuid.UUID(courier.user_id)
