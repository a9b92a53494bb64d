"""Rate limits on login, registration and upload slots, in memory and in a real Redis."""

from __future__ import annotations

import uuid
from functools import partial

import httpx
import pytest

from api.config import get_settings
from api.models.identity import User
from api.security.ratelimit import Limit, MemoryRateLimiter, RedisRateLimiter, enforce
from api.errors import RateLimited
from tests import factories
from tests.graphql_client import GraphQLClient

REDIS_URL = "redis://127.0.0.1:6379/0"

UPLOAD = """
mutation Upload($input: MediaUploadCreateInput!) {
  mediaUploadCreate(input: $input) { errors { code } }
}
"""


@pytest.fixture
def limits(monkeypatch):
    """Set rate limits for one test, as "COUNT/SECONDS" by setting name suffix."""
    settings = get_settings()

    def apply(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setattr(settings, f"rate_limit_{name}", value)

    return apply


async def _clients_on_one_app(*addresses: str):
    from api.app import create_app

    app = create_app(manage_database=False)
    return [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 50000)), base_url="http://testserver")
        for address in addresses
    ]


async def test_login_limited_per_account(client, catalogue, limits):
    limits(login_identity="4/60")
    courier = await factories.active_courier(client)  # logs in once

    attempts = [await client.execute(factories.LOGIN, {"account": courier.login, "password": "Wrong2026pw"})
                for _ in range(3)]
    blocked = await client.execute(factories.LOGIN, {"account": courier.login, "password": factories.PASSWORD})

    assert [attempt.error_reason for attempt in attempts] == ["LOGIN_FAILED"] * 3
    assert blocked.error_code == "RATE_LIMITED"
    assert 1 <= blocked.errors[0]["extensions"]["retryAfter"] <= 60
    assert blocked.headers["retry-after"] == str(blocked.errors[0]["extensions"]["retryAfter"])
    assert blocked.body["data"] is None


async def test_successful_logins_also_count(client, catalogue, limits):
    limits(login_identity="2/60")
    courier = await factories.active_courier(client)

    second = await client.execute(factories.LOGIN, {"account": courier.login, "password": factories.PASSWORD})
    third = await client.execute(factories.LOGIN, {"account": courier.login, "password": factories.PASSWORD})

    assert second.data["tokenCreate"]["tokens"]["accessToken"]
    assert third.error_code == "RATE_LIMITED"


async def test_login_limited_per_address(db, catalogue, limits):
    limits(login_address="3/60")
    near, far = await _clients_on_one_app("10.0.0.1", "10.0.0.2")
    async with near, far:
        results = [
            await GraphQLClient(near).execute(factories.LOGIN, {"account": f"nobody{i}", "password": "Wrong2026pw"})
            for i in range(4)
        ]
        elsewhere = await GraphQLClient(far).execute(factories.LOGIN, {"account": "nobody9", "password": "x"})

    assert [result.error_code for result in results] == ["UNAUTHENTICATED"] * 3 + ["RATE_LIMITED"]
    assert elsewhere.error_reason == "LOGIN_FAILED"


async def test_registration_limited_per_phone(client, catalogue, limits):
    limits(registration_identity="2/3600")
    values = factories.courier_input(password="weak")

    first = await client.execute(factories.REGISTER, {"input": values})
    second = await client.execute(factories.REGISTER, {"input": values})
    third = await client.execute(factories.REGISTER, {"input": {**values, "password": factories.PASSWORD}})

    assert first.data["courierRegister"]["errors"][0]["code"] == "PASSWORD_WEAK"
    assert second.data["courierRegister"]["errors"][0]["code"] == "PASSWORD_WEAK"
    assert third.error_code == "RATE_LIMITED"
    assert await User.filter(phone=values["phone"]).count() == 0


async def test_registration_limited_per_address(client, catalogue, limits):
    limits(registration_address="2/3600")

    results = [await client.execute(factories.REGISTER, {"input": factories.courier_input()}) for _ in range(3)]

    assert results[0].data["courierRegister"]["account"]["status"] == "PENDING"
    assert results[1].data["courierRegister"]["account"]["status"] == "PENDING"
    assert results[2].error_code == "RATE_LIMITED"
    assert await User.all().count() == 2


async def test_upload_slots_limited_per_user(client, catalogue, limits):
    limits(upload_identity="2/60")
    courier = await factories.active_courier(client)
    other = await factories.active_courier(client)
    upload = {"input": {"kind": "PHOTO", "contentType": "text/plain", "sizeBytes": 10}}

    first = await client.execute(UPLOAD, upload, token=courier.access_token)
    await client.execute(UPLOAD, upload, token=courier.access_token)
    blocked = await client.execute(UPLOAD, upload, token=courier.access_token)
    other_user = await client.execute(UPLOAD, upload, token=other.access_token)

    assert first.data["mediaUploadCreate"]["errors"]
    assert blocked.error_code == "RATE_LIMITED"
    assert other_user.data["mediaUploadCreate"]["errors"]


async def test_unlimited_mutation_not_counted(client, catalogue, limits):
    limits(login_address="1/60", login_identity="1/60")
    courier = await factories.active_courier(client)

    results = [await client.execute('mutation { tokenRevoke(refreshToken: "unknown") { ok } }',
                                    token=courier.access_token) for _ in range(3)]

    assert all(result.data["tokenRevoke"]["ok"] for result in results)


def test_limit_parse_rejects_bad_values():
    assert Limit.parse("10/300") == Limit(10, 300)
    with pytest.raises(ValueError, match="COUNT/SECONDS"):
        Limit.parse("ten/300")
    with pytest.raises(ValueError, match="positive"):
        Limit.parse("0/300")


async def test_memory_limiter_window():
    limiter = MemoryRateLimiter()
    limit = Limit(2, 60)

    results = [await limiter.hit("k", limit) for _ in range(3)]

    assert results[:2] == [None, None]
    assert 59 <= results[2] <= 60


async def test_enforce_counts_every_key():
    limiter = MemoryRateLimiter()
    await limiter.hit("address", Limit(1, 60))

    with pytest.raises(RateLimited):
        await enforce(limiter, [("address", Limit(1, 60)), ("identity", Limit(1, 60))], action="test")

    assert await limiter.hit("identity", Limit(1, 60)) is not None


@pytest.fixture
async def redis_prefix():
    """A unique key prefix in the real Redis, removed after the test."""
    import redis.asyncio as redis

    prefix = f"fxx-test-{uuid.uuid4().hex}:"
    connection = redis.from_url(REDIS_URL)
    try:
        await connection.ping()
    except OSError as error:
        pytest.skip(f"Redis not available at {REDIS_URL}: {error}")
    yield prefix
    keys = [key async for key in connection.scan_iter(match=prefix + "*")]
    if keys:
        await connection.delete(*keys)
    await connection.aclose()


@pytest.mark.redis
async def test_redis_limiter_window(redis_prefix):
    limiter = RedisRateLimiter(REDIS_URL, redis_prefix)
    limit = Limit(2, 30)

    results = [await limiter.hit("k", limit) for _ in range(3)]
    other_key = await limiter.hit("other", limit)
    await limiter.close()

    assert results[:2] == [None, None]
    assert 1 <= results[2] <= 30
    assert other_key is None


@pytest.mark.redis
async def test_redis_limiter_shared_by_replicas(redis_prefix):
    first_replica = RedisRateLimiter(REDIS_URL, redis_prefix)
    second_replica = RedisRateLimiter(REDIS_URL, redis_prefix)
    limit = Limit(1, 30)

    first = await first_replica.hit("shared", limit)
    second = await second_replica.hit("shared", limit)
    await first_replica.close()
    await second_replica.close()

    assert first is None
    assert second is not None


@pytest.mark.redis
async def test_login_limited_through_redis(db, catalogue, limits, monkeypatch, redis_prefix):
    import api.app
    from api.security import ratelimit

    limits(login_identity="2/60")
    monkeypatch.setattr(get_settings(), "redis_url", REDIS_URL)
    monkeypatch.setattr(api.app, "build_rate_limiter", partial(ratelimit.build_rate_limiter, prefix=redis_prefix))
    (http,) = await _clients_on_one_app("10.0.0.3")
    async with http:
        client = GraphQLClient(http)
        results = [await client.execute(factories.LOGIN, {"account": "nobody", "password": "Wrong2026pw"})
                   for _ in range(3)]

    assert [result.error_code for result in results] == ["UNAUTHENTICATED", "UNAUTHENTICATED", "RATE_LIMITED"]
