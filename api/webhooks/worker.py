"""The background task that fans events out to webhook deliveries and sends the due ones."""

from __future__ import annotations

import asyncio
import logging

import httpx

from api.webhooks import delivery, fanout

logger = logging.getLogger(__name__)


class WebhookWorker:
    def __init__(self, *, poll_seconds: float) -> None:
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        # No proxy or certificate settings from the environment, and redirects are not followed.
        self._client = httpx.AsyncClient(trust_env=False, follow_redirects=False)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="webhook-worker")
        logger.info("webhook worker started")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        await self._client.aclose()
        logger.info("webhook worker stopped")

    def announce(self, cursor: int) -> None:
        # The event's transaction may still be open: look twice, now and a moment later.
        self._wake.set()
        asyncio.get_running_loop().call_later(0.2, self._wake.set)

    def wake(self) -> None:
        self._wake.set()

    async def run_once(self) -> int:
        """Fan out every new event and make every due attempt; return the number of attempts."""
        while await fanout.fan_out() >= fanout.BATCH_SIZE:
            pass
        return await delivery.deliver_due(self._client)

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                attempts = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the worker must outlive a database or network hiccup
                logger.exception("webhook worker pass failed")
                attempts = 0
            if attempts >= delivery.BATCH_SIZE:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            except TimeoutError:
                pass
