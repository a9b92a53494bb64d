"""Two server processes sharing a database and Redis: an event committed on one reaches a subscriber on the other.

Both processes read the outbox only once a minute here, so an event that
arrives within seconds came through Redis pub/sub.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests import factories
from tests.graphql_client import GraphQLClient
from tests.report_factories import submitted
from tests.test_subscriptions import ACKNOWLEDGE, EMERGENCIES, REPORT_EVENTS, Subscriber, free_port

REPO_ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_available() -> bool:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        return False
    return True


@pytest.fixture
def database_url(db: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of the test's database, for the server processes."""
    if db == "sqlite":
        return f"sqlite://{tmp_path / 'test.sqlite3'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def servers(database_url: str, tmp_path: Path) -> Iterator[list[str]]:
    """Two uvicorn processes on free ports with one Redis channel prefix unique to this test."""
    if not redis_available():
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required under CI but {REDIS_URL} did not answer")
        pytest.skip(f"Redis not available at {REDIS_URL}")
    environment = dict(os.environ)
    environment.update(
        {
            "FXX_DATABASE_URL": database_url,
            "FXX_REDIS_URL": REDIS_URL,
            "FXX_EVENTS_CHANNEL_PREFIX": f"fxx-test-{uuid.uuid4().hex}",
            "FXX_EVENTS_POLL_SECONDS": "60",
            "FXX_WEBHOOK_POLL_SECONDS": "60",
        }
    )
    processes = []
    urls = []
    for name in ("a", "b"):
        port = free_port()
        log = (tmp_path / f"server-{name}.log").open("wb")
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "api.asgi:app", "--host", "127.0.0.1", "--port", str(port),
                 "--ws", "websockets-sansio", "--no-access-log"],
                cwd=REPO_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url, process in zip(urls, processes):
            _wait_until_healthy(url, process, tmp_path)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_healthy(url: str, process: subprocess.Popen, tmp_path: Path) -> None:
    for _ in range(300):
        if process.poll() is not None:
            logs = "\n".join(p.read_text(errors="replace") for p in tmp_path.glob("server-*.log"))
            pytest.fail(f"server exited with {process.returncode}:\n{logs}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        import time

        time.sleep(0.1)
    pytest.fail(f"server at {url} did not start")


@pytest.fixture
async def process_a(servers: list[str]) -> AsyncIterator[GraphQLClient]:
    async with httpx.AsyncClient(base_url=servers[0], timeout=10) as http:
        yield GraphQLClient(http)


async def test_emergency_committed_on_one_process_reaches_other(servers, process_a, client, catalogue):
    # given: the hospital and the courier are subscribed on process B
    courier = await factories.active_courier(client)
    hospital = await factories.staff(client, "hospital-emergency")
    b_url = servers[1].replace("http://", "ws://") + "/graphql"
    hospital_feed = await Subscriber.connected(b_url, hospital.access_token)
    courier_feed = await Subscriber.connected(b_url, courier.access_token)
    await hospital_feed.subscribe("1", EMERGENCIES)
    await courier_feed.subscribe("1", REPORT_EVENTS, {"kinds": ["ACKNOWLEDGED"]})
    await asyncio.sleep(0.3)

    # when: the courier submits and the hospital acknowledges through process A
    started = asyncio.get_running_loop().time()
    report = await submitted(process_a, courier.access_token, category="medical-emergency")
    emergency = await hospital_feed.event(timeout=5)
    received_after = asyncio.get_running_loop().time() - started
    result = await process_a.execute(
        ACKNOWLEDGE, {"input": {"reportId": report["id"], "etaMinutes": 5}}, token=hospital.access_token
    )
    acknowledged = await courier_feed.event(timeout=5)

    # then
    assert received_after < 5
    assert (emergency["kind"], emergency["report"]["id"]) == ("DISPATCHED", report["id"])
    assert emergency["report"]["category"]["code"] == "medical-emergency"
    assert result.data["emergencyAcknowledge"]["errors"] == []
    assert (acknowledged["kind"], acknowledged["etaMinutes"]) == ("ACKNOWLEDGED", 5)
    await hospital_feed.silent(0.5)
    await hospital_feed.close()
    await courier_feed.close()
