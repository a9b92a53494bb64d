"""The real-time services of one process: event hub, outbox reader and webhook worker.

The application's lifespan starts them, and ``timeline.record`` announces new
events to them. A process that did not start them (a CLI command, a test
using the in-process HTTP client) still writes every event to the outbox, and
a running process publishes it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from api.config import Settings, get_settings
from api.events.hub import Hub
from api.events.publisher import Publisher

logger = logging.getLogger(__name__)


@dataclass
class Realtime:
    hub: Hub
    publisher: Publisher
    webhook_worker: object | None = None


_current: Realtime | None = None

STOP_TIMEOUT_SECONDS = 10.0


def channel_name(settings: Settings) -> str:
    return f"{settings.events_channel_prefix}:events"


async def start(settings: Settings | None = None, *, webhooks: bool = True) -> Realtime:
    global _current
    if _current is not None:
        raise RuntimeError("real-time services already started in this process")
    settings = settings or get_settings()
    hub = Hub()
    publisher = Publisher(
        hub,
        poll_seconds=settings.events_poll_seconds,
        redis_url=settings.redis_url,
        channel=channel_name(settings),
    )
    await publisher.start()
    realtime = Realtime(hub=hub, publisher=publisher)
    if webhooks:
        from api.webhooks.worker import WebhookWorker

        realtime.webhook_worker = WebhookWorker(poll_seconds=settings.webhook_poll_seconds)
        await realtime.webhook_worker.start()
    _current = realtime
    return realtime


async def stop() -> None:
    global _current
    realtime, _current = _current, None
    if realtime is None:
        return
    services = [realtime.publisher.stop()]
    if realtime.webhook_worker is not None:
        services.insert(0, realtime.webhook_worker.stop())
    for stopping in services:
        try:
            await asyncio.wait_for(stopping, timeout=STOP_TIMEOUT_SECONDS)
        except TimeoutError:
            logger.error("a real-time service did not stop in time", extra={"timeout_seconds": STOP_TIMEOUT_SECONDS})


def current() -> Realtime:
    if _current is None:
        raise RuntimeError("real-time services are not running in this process")
    return _current


def announce(cursor: int) -> None:
    """Wake this process's publisher and webhook worker for an event appended by a local transaction."""
    if _current is None:
        return
    _current.publisher.announce(cursor)
    if _current.webhook_worker is not None:
        _current.webhook_worker.announce(cursor)
