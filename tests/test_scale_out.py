"""Two API server processes over one PostgreSQL database and one Redis, without sticky sessions.

Each server is a real ``python -m api serve`` process in production mode on its
own free port on 127.0.0.1, with its own FXX_VAR_DIR, so the only state the
two share is the database and Redis. A client sends each request to whichever
process the test picks, as a round-robin load balancer would.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests import services
from tests.factories import LOGIN, PASSWORD, REGISTER, courier_input
from tests.report_factories import MY_REPORTS, SUBMIT, submit_input

REPO_ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/0"
STARTUP_SECONDS = 60
EVENTS_CHANNEL_PREFIX = f"fxx-scale-{uuid.uuid4().hex[:8]}"
WEBSOCKET_PROTOCOL = "graphql-transport-ws"


def free_port() -> int:
    """A port that was free a moment ago; the server binds it right after."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pem_private_key() -> str:
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )


def production_environment(database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """Environment of one production process; the secrets come from ``shared_secrets`` via ``extra``."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("FXX_")}
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    environment.update(
        {
            "FXX_ENVIRONMENT": "production",
            "FXX_DATABASE_URL": database_url,
            "FXX_VAR_DIR": str(var_dir),
            "FXX_REDIS_URL": REDIS_URL,
            # Events of this module's servers stay on their own Redis channel, apart from other test runs.
            "FXX_EVENTS_CHANNEL_PREFIX": EVENTS_CHANNEL_PREFIX,
            "PYTHONUNBUFFERED": "1",
        }
    )
    environment.update(extra)
    return environment


def shared_secrets() -> dict[str, str]:
    """Secrets every replica must share: a token signed by one is verified by the other."""
    return {
        "FXX_JWT_PRIVATE_KEY": pem_private_key(),
        "FXX_PASS_SIGNING_KEY": pem_private_key(),
        "FXX_DATA_ENCRYPTION_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "FXX_DATA_HASH_KEY": secrets.token_urlsafe(32),
    }


def run_command(arguments: list[str], environment: dict[str, str]) -> str:
    """Run one ``python -m api`` command to completion and return its output."""
    completed = subprocess.run(
        [sys.executable, "-m", "api", *arguments],
        cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, f"{arguments} failed:\n{completed.stdout}\n{completed.stderr}"
    return completed.stdout + completed.stderr


@dataclass
class ServerProcess:
    """One ``python -m api serve`` process on a free port, with its output in a file."""

    name: str
    environment: dict[str, str]
    log_path: Path
    extra_arguments: list[str] = field(default_factory=list)
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.port = free_port()
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "api", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             *self.extra_arguments],
            cwd=REPO_ROOT, env=self.environment, stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()

    def wait_until_ready(self, path: str = "/readyz") -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"server {self.name} exited with {self.process.returncode}:\n{self.output()}")
            try:
                if httpx.get(self.base_url + path, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"server {self.name} not ready after {STARTUP_SECONDS}s:\n{self.output()}")

    def stop(self) -> int | None:
        """Ask the server to shut down (SIGTERM, as an orchestrator does), killing it only if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""


def require_service(name: str, reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{name} is required under CI: {reason}")
    pytest.skip(f"{name} not available: {reason}")


def run_coroutine(coroutine_function: Any, *args: Any) -> Any:
    """Run a coroutine on its own loop in a thread, because module fixtures may start inside a running loop."""
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(lambda: asyncio.run(coroutine_function(*args))).result()


async def redis_unreachable_reason() -> str | None:
    """Return None when Redis replies to PING at 127.0.0.1:6379, else the connection error."""
    import redis.asyncio as redis

    client = redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.ping()
    except (OSError, redis.RedisError) as error:
        return str(error)
    finally:
        await client.aclose()
    return None


@pytest.fixture(scope="module")
def postgres_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database created from the admin URL, dropped afterwards."""
    try:
        admin_url = services.admin_postgres_url()
        url = run_coroutine(services.create_database, admin_url)
    except Exception as error:  # noqa: BLE001 - reported as a skip or, under CI, a failure
        require_service("PostgreSQL", str(error))
    yield url
    run_coroutine(services.drop_database, admin_url, url)


@pytest.fixture(scope="module")
def redis_service() -> None:
    reason = run_coroutine(redis_unreachable_reason)
    if reason is not None:
        require_service("Redis", reason)


@pytest.fixture(scope="module")
def servers(postgres_database, redis_service, tmp_path_factory) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """Servers A and B, after the release commands migrated and seeded the database and made an admin."""
    tmp_path = tmp_path_factory.mktemp("scale-out")
    secrets_env = shared_secrets()
    release_env = production_environment(postgres_database, tmp_path / "release", **secrets_env)
    run_command(["migrate"], release_env)
    run_command(["seed"], release_env)
    run_command(
        ["create-admin", "--jurisdiction", "dafeng", "--username", "scaleadmin", "--name", "李管理"],
        {**release_env, "FXX_ADMIN_PASSWORD": PASSWORD},
    )

    pair = tuple(
        ServerProcess(name, production_environment(postgres_database, tmp_path / name, **secrets_env),
                      tmp_path / f"{name}.log")
        for name in ("a", "b")
    )
    try:
        for server in pair:
            server.start()
        for server in pair:
            server.wait_until_ready()
        yield pair
    finally:
        for server in pair:
            server.stop()


@dataclass
class Replica:
    """An HTTP client bound to one server process, as a load balancer would pick it."""

    server: ServerProcess
    http: httpx.AsyncClient

    async def execute(self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None,
                      headers: dict[str, str] | None = None) -> dict[str, Any]:
        request_headers = dict(headers or {})
        if token:
            request_headers["authorization"] = f"Bearer {token}"
        response = await self.http.post(
            f"{self.server.base_url}/graphql", json={"query": query, "variables": variables or {}},
            headers=request_headers,
        )
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
async def replicas(servers) -> AsyncIterator[tuple[Replica, Replica]]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield Replica(servers[0], http), Replica(servers[1], http)


ME = "query Me { me { id role status realName phoneMasked } }"
APPROVE = "mutation Approve($id: ID!) { userApprove(userId: $id) { account { id status } errors { code } } }"
REFRESH = """
mutation Refresh($token: String!) {
  tokenRefresh(refreshToken: $token) { tokens { accessToken refreshToken } errors { field code } }
}
"""


async def test_write_on_one_process_read_on_other(replicas):
    a, b = replicas
    # A unique client address per run, passed the way a reverse proxy does, keeps Redis counters apart.
    client_headers = {"x-forwarded-for": f"127.9.{secrets.randbelow(250)}.{secrets.randbelow(250)}"}
    courier = courier_input(serial=secrets.randbelow(10**8))

    registered = await a.execute(REGISTER, {"input": courier}, headers=client_headers)
    courier_id = registered["data"]["courierRegister"]["account"]["id"]
    admin_login = await b.execute(LOGIN, {"account": "scaleadmin", "password": PASSWORD}, headers=client_headers)
    admin_token = admin_login["data"]["tokenCreate"]["tokens"]["accessToken"]
    approved = await b.execute(APPROVE, {"id": courier_id}, token=admin_token, headers=client_headers)
    login = await a.execute(LOGIN, {"account": courier["phone"], "password": PASSWORD}, headers=client_headers)
    tokens = login["data"]["tokenCreate"]["tokens"]
    profile = await b.execute(ME, token=tokens["accessToken"], headers=client_headers)

    assert approved["data"]["userApprove"] == {"account": {"id": courier_id, "status": "ACTIVE"}, "errors": []}
    assert profile["data"]["me"] == {
        "id": courier_id, "role": "COURIER", "status": "ACTIVE", "realName": courier["realName"],
        "phoneMasked": courier["phone"][:3] + "****" + courier["phone"][-4:],
    }

    # A refresh token works once in the whole deployment, whichever process receives it first.
    refreshed_on_b = await b.execute(REFRESH, {"token": tokens["refreshToken"]}, headers=client_headers)
    reused_on_a = await a.execute(REFRESH, {"token": tokens["refreshToken"]}, headers=client_headers)

    assert refreshed_on_b["data"]["tokenRefresh"]["errors"] == []
    assert reused_on_a["data"]["tokenRefresh"]["tokens"] is None
    assert reused_on_a["data"]["tokenRefresh"]["errors"] != []


async def test_login_failures_on_one_process_block_on_other(replicas):
    a, b = replicas
    client_headers = {"x-forwarded-for": f"127.8.{secrets.randbelow(250)}.{secrets.randbelow(250)}"}
    courier = courier_input(serial=secrets.randbelow(10**8))
    await a.execute(REGISTER, {"input": courier}, headers=client_headers)

    # FXX_LOGIN_MAX_FAILURES is 5 by default: five wrong passwords, all sent to A.
    failures = [
        await a.execute(LOGIN, {"account": courier["phone"], "password": "Wrong-password-1"}, headers=client_headers)
        for _ in range(5)
    ]
    blocked = await b.execute(LOGIN, {"account": courier["phone"], "password": PASSWORD}, headers=client_headers)

    assert [f["errors"][0]["extensions"]["code"] for f in failures] == ["UNAUTHENTICATED"] * 5
    assert blocked["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert blocked["errors"][0]["extensions"]["retryAfter"] >= 1


async def test_production_logs_are_json_without_personal_data(replicas):
    a, b = replicas
    request_id = f"scale-{uuid.uuid4().hex[:12]}"
    client_headers = {"x-forwarded-for": f"127.7.{secrets.randbelow(250)}.{secrets.randbelow(250)}",
                      "x-request-id": request_id}
    courier = courier_input(serial=secrets.randbelow(10**8))

    registered = await a.execute(REGISTER, {"input": courier}, headers=client_headers)
    wrong = await a.execute(LOGIN, {"account": courier["phone"], "password": "Wrong-password-1"}, headers=client_headers)
    await asyncio.sleep(0.5)  # let the server flush its log lines

    lines = [line for line in a.server.output().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]
    assert registered["data"]["courierRegister"]["errors"] == []
    assert wrong["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert {"time", "level", "logger", "message", "request_id"} <= set(entries[0])
    assert any(entry["request_id"] == request_id and entry["message"] == "courier registered" for entry in entries)
    output = a.server.output()
    for personal in (courier["phone"], courier["idNumber"], PASSWORD, "Wrong-password-1"):
        assert personal not in output


REPORT_EVENTS = """
subscription Events { reportEvents { cursor kind report { id status description category { code } } } }
"""


async def approved_courier(a: Replica, b: Replica, headers: dict[str, str]) -> tuple[str, str]:
    """Register a courier on A, approve them as the admin on B, log in on A: return (user id, access token)."""
    courier = courier_input(serial=secrets.randbelow(10**8))
    registered = await a.execute(REGISTER, {"input": courier}, headers=headers)
    courier_id = registered["data"]["courierRegister"]["account"]["id"]
    admin_login = await b.execute(LOGIN, {"account": "scaleadmin", "password": PASSWORD}, headers=headers)
    admin_token = admin_login["data"]["tokenCreate"]["tokens"]["accessToken"]
    await b.execute(APPROVE, {"id": courier_id}, token=admin_token, headers=headers)
    login = await a.execute(LOGIN, {"account": courier["phone"], "password": PASSWORD}, headers=headers)
    return courier_id, login["data"]["tokenCreate"]["tokens"]["accessToken"]


async def next_message(connection: Any, timeout: float = 10.0) -> dict[str, Any]:
    """Return the next graphql-transport-ws message other than a ping, which is answered."""
    while True:
        message = json.loads(await asyncio.wait_for(connection.recv(), timeout=timeout))
        if message["type"] != "ping":
            return message
        await connection.send(json.dumps({"type": "pong"}))


async def test_report_submitted_on_one_process_pushed_on_other(replicas):
    from websockets.asyncio.client import connect

    a, b = replicas
    headers = {"x-forwarded-for": f"127.6.{secrets.randbelow(250)}.{secrets.randbelow(250)}"}
    _, token = await approved_courier(a, b, headers)
    websocket_url = b.server.base_url.replace("http://", "ws://") + "/graphql"

    async with connect(websocket_url, subprotocols=[WEBSOCKET_PROTOCOL], open_timeout=10) as connection:
        await connection.send(json.dumps({"type": "connection_init", "payload": {"accessToken": token}}))
        acknowledged = await next_message(connection)
        await connection.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": REPORT_EVENTS}}))
        # graphql-transport-ws confirms nothing when a subscription starts, so give B a moment to register it.
        await asyncio.sleep(0.5)

        submitted = await a.execute(SUBMIT, {"input": submit_input()}, token=token, headers=headers)
        report = submitted["data"]["reportSubmit"]["report"]
        pushed = await next_message(connection)

    listed = await b.execute(MY_REPORTS, {"first": 20}, token=token, headers=headers)

    assert acknowledged["type"] == "connection_ack"
    assert submitted["data"]["reportSubmit"]["errors"] == []
    assert pushed["type"] == "next", pushed
    assert pushed["id"] == "1"
    event = pushed["payload"]["data"]["reportEvents"]
    assert event["kind"] == "SUBMITTED"
    assert event["report"]["id"] == report["id"]
    assert event["report"]["category"] == {"code": "traffic-light"}
    assert [edge["node"]["id"] for edge in listed["data"]["myReports"]["edges"]] == [report["id"]]
