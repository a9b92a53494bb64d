"""The in-process fan-out of published events to the subscriptions of this process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from enum import Enum

from api.events.envelope import Envelope

logger = logging.getLogger(__name__)


class SubscriberLagging(Exception):
    """A subscription's buffer overflowed. The client resumes from the last cursor it received."""


class Inbox:
    """Events for one subscription, already filtered by what its caller may receive."""

    def __init__(self, accepts: Callable[[Envelope], bool], capacity: int) -> None:
        self.accepts = accepts
        self.queue: asyncio.Queue[Envelope] = asyncio.Queue(maxsize=capacity)
        self.lagging = False

    def offer(self, envelope: Envelope) -> None:
        if self.lagging or not self.accepts(envelope):
            return
        try:
            self.queue.put_nowait(envelope)
        except asyncio.QueueFull:
            self.lagging = True
            # Replace one buffered event so a waiting consumer wakes and notices the overflow.
            self.queue.get_nowait()
            self.queue.put_nowait(envelope)

    async def next(self) -> Envelope:
        envelope = await self.queue.get()
        if self.lagging:
            raise SubscriberLagging()
        return envelope


class Outcome(Enum):
    DISPATCHED = "dispatched"
    DUPLICATE = "duplicate"
    # An event between the hub's position and this one has not arrived yet.
    GAP = "gap"


class Hub:
    """Delivers every published event exactly once and in cursor order to each open inbox.

    Events may arrive twice (several processes publish to Redis, and the local
    outbox reader can race a Redis message), so an event at or below the
    position is dropped. An event whose ``previous`` cursor is above the
    position would skip events, so it is refused and the local outbox reader
    fills the gap from the database.
    """

    def __init__(self, position: int = 0) -> None:
        self.inboxes: set[Inbox] = set()
        self.position = position

    def open(self, accepts: Callable[[Envelope], bool], capacity: int) -> Inbox:
        inbox = Inbox(accepts, capacity)
        self.inboxes.add(inbox)
        return inbox

    def close(self, inbox: Inbox) -> None:
        self.inboxes.discard(inbox)

    def dispatch(self, envelope: Envelope) -> Outcome:
        if envelope.cursor <= self.position:
            return Outcome.DUPLICATE
        if envelope.previous > self.position:
            return Outcome.GAP
        self.position = envelope.cursor
        for inbox in list(self.inboxes):
            try:
                inbox.offer(envelope)
            except Exception:  # noqa: BLE001 - one faulty filter must not starve the other subscribers
                logger.exception("subscription filter failed", extra={"cursor": envelope.cursor})
        return Outcome.DISPATCHED
