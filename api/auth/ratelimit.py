"""Failure counters that slow down repeated attempts, in memory or in Redis.

A fixed window per key: after ``limit`` failures inside ``window`` seconds the
key is blocked until the window ends. Redis is used when FXX_REDIS_URL is set,
so every API replica sees the same counts.
"""

from __future__ import annotations

import time
from typing import Protocol


class FailureCounter(Protocol):
    async def retry_after(self, key: str, limit: int) -> int | None: ...

    async def record_failure(self, key: str, window: int) -> None: ...

    async def reset(self, key: str) -> None: ...


class MemoryFailureCounter:
    def __init__(self) -> None:
        self._windows: dict[str, tuple[float, int]] = {}

    def _current(self, key: str) -> tuple[float, int] | None:
        entry = self._windows.get(key)
        if entry and entry[0] <= time.monotonic():
            del self._windows[key]
            return None
        return entry

    async def retry_after(self, key: str, limit: int) -> int | None:
        entry = self._current(key)
        if entry and entry[1] >= limit:
            return max(int(entry[0] - time.monotonic()) + 1, 1)
        return None

    async def record_failure(self, key: str, window: int) -> None:
        entry = self._current(key)
        if entry is None:
            self._windows[key] = (time.monotonic() + window, 1)
        else:
            self._windows[key] = (entry[0], entry[1] + 1)

    async def reset(self, key: str) -> None:
        self._windows.pop(key, None)


class RedisFailureCounter:
    def __init__(self, url: str, prefix: str = "fxx:fail:") -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(url)
        self._prefix = prefix

    async def retry_after(self, key: str, limit: int) -> int | None:
        name = self._prefix + key
        count = await self._redis.get(name)
        if count is not None and int(count) >= limit:
            ttl = await self._redis.ttl(name)
            return max(int(ttl), 1)
        return None

    async def record_failure(self, key: str, window: int) -> None:
        name = self._prefix + key
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, window, nx=True)
            await pipe.execute()

    async def reset(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)


_counter: FailureCounter | None = None


def failure_counter() -> FailureCounter:
    global _counter
    if _counter is None:
        from api.config import get_settings

        url = get_settings().redis_url
        _counter = RedisFailureCounter(url) if url else MemoryFailureCounter()
    return _counter


def reset_failure_counter() -> None:
    """Forget the counter; the next call builds one from the current settings."""
    global _counter
    _counter = None
