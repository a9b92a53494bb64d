"""The permission layer and per-request caches, on small schemas built for the test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import httpx
import pytest
import strawberry
from strawberry.dataloader import DataLoader

from api.app import create_app
from api.errors import Forbidden
from api.i18n import Language
from api.schema.context import Context
from api.security.extensions import FreshLoadersPerEvent, security_extensions
from api.security.permissions import Permission, authorize, is_granted
from tests import factories
from tests.graphql_client import GraphQLClient


async def _granted_later() -> bool:
    return True


class ForgotToAwait(Permission):
    """A check that returns the coroutine of an async helper instead of its result."""

    def allows(self, caller, source, info, **kwargs):
        return _granted_later()


class ReturnsOne(Permission):
    def allows(self, caller, source, info, **kwargs):
        return 1


class AsyncAllows(Permission):
    async def allows(self, caller, source, info, **kwargs):
        return await _granted_later()


@strawberry.type
class GuardedQuery:
    @strawberry.field(permission_classes=[ForgotToAwait])
    def unawaited(self) -> str:
        return "leaked"

    @strawberry.field(permission_classes=[ReturnsOne])
    def truthy(self) -> str:
        return "leaked"

    @strawberry.field(permission_classes=[AsyncAllows])
    def awaited(self) -> str:
        return "allowed"

    @strawberry.field
    async def viewer_value(self, info: strawberry.Info, key: str) -> str:
        context = info.context

        async def load(keys: list[str]) -> list[str]:
            return [f"{context.bearer_token}:{k}" for k in keys]

        return await context.loader("viewer_value", lambda: DataLoader(load_fn=load)).load(key)

    @strawberry.field
    def loader_uses(self, info: strawberry.Info) -> int:
        counter = info.context.loader("uses", lambda: {"count": 0})
        counter["count"] += 1
        return counter["count"]


@strawberry.type
class CountingSubscription:
    @strawberry.subscription
    async def ticks(self, count: int) -> AsyncGenerator[GuardedQuery, None]:
        for _ in range(count):
            yield GuardedQuery()
            await asyncio.sleep(0)


def _schema(extensions: list | None = None) -> strawberry.Schema:
    chosen = security_extensions() if extensions is None else extensions
    return strawberry.Schema(query=GuardedQuery, subscription=CountingSubscription, extensions=chosen)


@pytest.fixture
async def guarded_client():
    app = create_app(schema=_schema(), manage_database=False)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield GraphQLClient(http)


async def test_unawaited_permission_denies(guarded_client):
    result = await guarded_client.execute("{ unawaited }")

    assert result.error_code == "FORBIDDEN"
    assert result.body["data"] is None


async def test_truthy_non_boolean_permission_denies(guarded_client):
    result = await guarded_client.execute("{ truthy }")

    assert result.error_code == "FORBIDDEN"


async def test_async_permission_allows(guarded_client):
    result = await guarded_client.execute("{ awaited }")

    assert result.data == {"awaited": "allowed"}


def test_is_granted_only_for_true():
    coroutine = _granted_later()

    assert is_granted(True) is True
    assert is_granted(coroutine) is False
    assert coroutine.cr_frame is None  # closed, so no "never awaited" warning
    for value in (False, None, 1, "yes", [True]):
        assert is_granted(value) is False


async def test_authorize_rejects_nested_coroutine():
    async def returns_coroutine() -> object:
        return _granted_later()

    async def returns_true() -> bool:
        return True

    with pytest.raises(Forbidden):
        await authorize(returns_coroutine)
    with pytest.raises(Forbidden):
        await authorize(lambda: _granted_later())
    await authorize(returns_true)
    await authorize(lambda: True)


async def test_dataloader_cache_is_per_request(guarded_client):
    first = await guarded_client.execute('{ viewerValue(key: "x") }', headers={"authorization": "Bearer alice"})
    second = await guarded_client.execute('{ viewerValue(key: "x") }', headers={"authorization": "Bearer bob"})
    within = await guarded_client.execute("{ a: loaderUses b: loaderUses }")
    again = await guarded_client.execute("{ loaderUses }")

    assert first.data == {"viewerValue": "alice:x"}
    assert second.data == {"viewerValue": "bob:x"}
    assert within.data == {"a": 1, "b": 2}
    assert again.data == {"loaderUses": 1}


async def _subscription_events(extensions: list) -> list[int]:
    """Run a three-event subscription through strawberry's streaming path with one context, as websockets do."""
    schema = _schema(extensions)
    context = Context(request=None, language=Language.ZH, request_id="test")
    results = await schema.subscribe("subscription { ticks(count: 3) { loaderUses } }", context_value=context)
    return [result.data["ticks"]["loaderUses"] async for result in results]


async def test_loaders_fresh_for_each_subscription_event():
    assert await _subscription_events(security_extensions()) == [1, 1, 1]


async def test_loaders_shared_across_events_without_the_extension():
    # Shows what FreshLoadersPerEvent prevents: one context serves the whole subscription.
    extensions = [e for e in security_extensions() if e is not FreshLoadersPerEvent]

    assert await _subscription_events(extensions) == [1, 2, 3]


async def test_principal_cache_is_per_request(client, catalogue):
    first = await factories.active_courier(client)
    second = await factories.active_courier(client)

    results = [await client.execute("{ me { id } }", token=token)
               for token in (first.access_token, second.access_token, first.access_token)]

    assert [result.data["me"]["id"] for result in results] == [first.user_id, second.user_id, first.user_id]
