"""Publishing committed events: an outbox reader per process, and Redis between processes.

How "after commit" is detected: nothing hooks the commit. Each process runs
one reader task that reads the outbox by cursor and publishes what it finds,
so an event is published only once its transaction is visible to other
connections, and an event of a rolled-back transaction never is. When
``record`` appends an event in this process it wakes the reader, which then
re-reads at short, growing intervals until the event's cursor shows up
(its transaction committed) or five seconds pass (it rolled back). Writes by
other processes are found by the next periodic read (``events_poll_seconds``)
or sooner through Redis. Because the reader starts from the outbox and not
from memory, nothing is lost when a process restarts: subscribers resume
with their cursor and read what they missed from the same table.

With FXX_REDIS_URL set, each reader also publishes every event it reads to
one Redis pub/sub channel, and every process dispatches what arrives there to
its own subscribers. Each envelope carries the cursor of the event before it,
so a process that missed a Redis message (reconnect, outage) sees the gap,
does not skip ahead, and lets its own reader fill the gap from the outbox.
"""

from __future__ import annotations

import asyncio
import logging
import time

from api.events import envelope as envelopes
from api.events import outbox
from api.events.envelope import Envelope
from api.events.hub import Hub, Outcome

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
# How long the reader keeps looking for an event announced by a local write before
# deciding that its transaction rolled back.
ANNOUNCED_EVENT_WAIT_SECONDS = 5.0


class Publisher:
    def __init__(self, hub: Hub, *, poll_seconds: float, redis_url: str = "", channel: str = "") -> None:
        self.hub = hub
        self.poll_seconds = poll_seconds
        self.redis_url = redis_url
        self.channel = channel
        self.position = 0
        self._announced = 0
        self._announced_until = 0.0
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self._redis = None
        # Set once the Redis listener has subscribed, so tests and callers can wait for it.
        self.listening = asyncio.Event()

    async def start(self) -> None:
        self.position = await outbox.latest_cursor()
        self.hub.position = max(self.hub.position, self.position)
        if self.redis_url:
            from redis.asyncio import Redis

            self._redis = Redis.from_url(self.redis_url)
            self._tasks.append(asyncio.create_task(self._listen(), name="events-redis-listener"))
        else:
            self.listening.set()
        self._tasks.append(asyncio.create_task(self._read_loop(), name="events-outbox-reader"))
        logger.info(
            "event publisher started",
            extra={"cursor": self.position, "transport": "redis" if self.redis_url else "in-process"},
        )

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
        self._tasks.clear()
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None
        logger.info("event publisher stopped", extra={"cursor": self.position})

    def announce(self, cursor: int) -> None:
        """Tell the reader that a local transaction appended event ``cursor`` and is about to commit."""
        self._announced = max(self._announced, cursor)
        self._announced_until = time.monotonic() + ANNOUNCED_EVENT_WAIT_SECONDS
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    async def publish_new(self) -> int:
        """Read and publish the events committed after the reader's position; return how many were read."""
        events = await outbox.read_after(self.position, limit=BATCH_SIZE)
        if not events:
            return 0
        # Events this process already dispatched (from Redis) are skipped, but still advance the reader.
        previous = self.position
        fresh = []
        for event in events:
            if event.id > self.hub.position:
                fresh.append(event)
            else:
                previous = event.id
        for item in await envelopes.build(fresh, previous):
            await self._send(item)
        self.position = events[-1].id
        return len(events)

    async def _send(self, item: Envelope) -> None:
        if self._redis is not None:
            try:
                await self._redis.publish(self.channel, item.to_json())
            except Exception:  # noqa: BLE001 - local subscribers still get it, other processes read the outbox
                logger.exception("publishing an event to Redis failed", extra={"cursor": item.cursor})
        self.hub.dispatch(item)

    async def _read_loop(self) -> None:
        retry_delay = 0.005
        while True:
            self._wake.clear()
            try:
                count = await self.publish_new()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the reader must outlive a database hiccup
                logger.exception("reading the event outbox failed", extra={"cursor": self.position})
                await asyncio.sleep(min(self.poll_seconds, 1.0))
                continue
            if count >= BATCH_SIZE:
                continue
            if self._announced > self.position and time.monotonic() < self._announced_until:
                await asyncio.sleep(retry_delay)
                retry_delay = min(retry_delay * 2, 0.2)
                continue
            retry_delay = 0.005
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            except TimeoutError:
                pass

    async def _listen(self) -> None:
        from redis.exceptions import RedisError

        backoff = 0.5
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self.listening.set()
                backoff = 0.5
                # Events published while this listener was away are found by the reader.
                self.wake()
                async for message in pubsub.listen():
                    self._receive(message.get("data"))
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as error:
                self.listening.clear()
                logger.warning("Redis event listener disconnected; retrying", extra={"error": str(error), "delay": backoff})
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
            finally:
                try:
                    await pubsub.aclose()
                except Exception:  # noqa: BLE001 - closing a broken connection may fail as well
                    pass

    def _receive(self, data: object) -> None:
        if not isinstance(data, (bytes, str)):
            return
        try:
            item = Envelope.from_json(data)
        except (ValueError, KeyError, TypeError):
            logger.warning("malformed event on the Redis channel ignored")
            return
        if self.hub.dispatch(item) is Outcome.GAP:
            self.wake()
