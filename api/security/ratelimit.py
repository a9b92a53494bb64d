"""Rate limits on attempts: fixed windows per key, counted in memory or in Redis.

Every attempt counts, successful or not (api/auth/ratelimit.py counts only
failed logins). Redis is used when FXX_REDIS_URL is set, so every API replica
shares the counts.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Protocol

from api.config import Settings
from api.errors import RateLimited

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    count: int
    window_seconds: int

    @classmethod
    def parse(cls, value: str) -> "Limit":
        """Parse "COUNT/SECONDS", for example "10/300" for ten attempts in five minutes."""
        count, _, seconds = value.partition("/")
        try:
            limit = cls(int(count), int(seconds))
        except ValueError as error:
            raise ValueError(f"invalid rate limit {value!r}; expected COUNT/SECONDS such as 10/300") from error
        if limit.count < 1 or limit.window_seconds < 1:
            raise ValueError(f"invalid rate limit {value!r}; COUNT and SECONDS must be positive")
        return limit


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: Limit) -> int | None:
        """Count one attempt; return the seconds to wait when the key is over its limit, else None."""
        ...


class MemoryRateLimiter:
    """Counts in this process only: for development, tests and single-replica deployments."""

    # Expired windows are swept once this many keys are stored.
    _SWEEP_AT = 10_000

    def __init__(self) -> None:
        self._windows: dict[str, tuple[float, int]] = {}

    async def hit(self, key: str, limit: Limit) -> int | None:
        now = time.monotonic()
        if len(self._windows) >= self._SWEEP_AT:
            self._windows = {k: v for k, v in self._windows.items() if v[0] > now}
        ends_at, count = self._windows.get(key, (0.0, 0))
        if ends_at <= now:
            ends_at, count = now + limit.window_seconds, 0
        count += 1
        self._windows[key] = (ends_at, count)
        if count > limit.count:
            return max(int(ends_at - now + 0.999), 1)
        return None


class RedisRateLimiter:
    """Counts shared by every replica: INCR a key that expires when its window ends."""

    def __init__(self, url: str, prefix: str = "fxx:rate:") -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(url)
        self._prefix = prefix

    async def hit(self, key: str, limit: Limit) -> int | None:
        name = self._prefix + key
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, limit.window_seconds, nx=True)
            pipe.ttl(name)
            count, _, ttl = await pipe.execute()
        if int(count) > limit.count:
            return max(int(ttl), 1)
        return None

    async def close(self) -> None:
        await self._redis.aclose()


def build_rate_limiter(settings: Settings, *, prefix: str = "fxx:rate:") -> RateLimiter:
    """Return a Redis limiter when FXX_REDIS_URL is set, else an in-process one."""
    return RedisRateLimiter(settings.redis_url, prefix) if settings.redis_url else MemoryRateLimiter()


async def enforce(limiter: RateLimiter, checks: list[tuple[str, Limit]], *, action: str) -> None:
    """Count one attempt against every key and raise RATE_LIMITED if any key is over its limit.

    Every key is counted even when an earlier one is already over, so a blocked
    address keeps its identity counts honest as well.
    """
    waits = [wait for key, limit in checks if (wait := await limiter.hit(key, limit)) is not None]
    if waits:
        retry_after = max(waits)
        logger.warning("rate limit reached", extra={"action": action, "retry_after": retry_after})
        raise RateLimited(retry_after)
