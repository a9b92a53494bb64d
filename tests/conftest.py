"""Test fixtures: every database test runs on SQLite and on PostgreSQL.

Each backend's schema is built once per session by applying the committed
migrations; each test then gets a fresh copy (SQLite) or truncated tables
(PostgreSQL), and the application is served in-process through httpx.
"""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

_TEST_VAR = Path(tempfile.mkdtemp(prefix="fxx-test-"))
os.environ.update(
    {
        "FXX_ENVIRONMENT": "test",
        "FXX_VAR_DIR": str(_TEST_VAR),
        "FXX_JWT_PRIVATE_KEY": Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode(),
        "FXX_DATA_ENCRYPTION_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "FXX_DATA_HASH_KEY": secrets.token_urlsafe(32),
        "FXX_REDIS_URL": "",
    }
)

import httpx  # noqa: E402
import pytest  # noqa: E402
from tortoise import connections  # noqa: E402
from tortoise.backends.base.executor import EXECUTOR_CACHE  # noqa: E402

from api.auth.ratelimit import reset_failure_counter  # noqa: E402
from api.db import apply_migrations, close_db, init_db  # noqa: E402
from tests import services  # noqa: E402
from tests.graphql_client import GraphQLClient  # noqa: E402

BACKENDS = ["sqlite", "postgres"]


def run_in_thread(coroutine_function, *args):  # type: ignore[no-untyped-def]
    """Run a coroutine to completion on its own loop; session fixtures are set up inside a running loop."""
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(lambda: asyncio.run(coroutine_function(*args))).result()


@pytest.fixture(scope="session")
def sqlite_template() -> Path:
    path = _TEST_VAR / "template.sqlite3"

    async def build() -> None:
        await apply_migrations(f"sqlite://{path}")
        await close_db()

    run_in_thread(build)
    return path


@pytest.fixture(scope="session")
def postgres_url() -> AsyncIterator[str]:
    try:
        admin_url = services.admin_postgres_url()
        url = run_in_thread(services.create_database, admin_url)
    except Exception as error:  # noqa: BLE001 - reported as a skip or, under CI, a failure
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required under CI but could not be started: {error}")
        pytest.skip(f"PostgreSQL not available: {error}")

    async def build() -> None:
        await apply_migrations(url)
        await close_db()

    run_in_thread(build)
    yield url
    run_in_thread(services.drop_database, admin_url, url)


async def _truncate_postgres() -> None:
    connection = connections.get("default")
    _, rows = await connection.execute_query(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'tortoise_migrations'"
    )
    tables = ", ".join(f'"{row["tablename"]}"' for row in rows)
    if tables:
        await connection.execute_script(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture(params=BACKENDS)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty, migrated database on each backend; the value is the backend name."""
    backend = request.param
    # Tortoise caches insert statements per connection name, and both backends are named "default".
    EXECUTOR_CACHE.clear()
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(template, path)
        await init_db(f"sqlite://{path}")
    else:
        await init_db(request.getfixturevalue("postgres_url"))
        await _truncate_postgres()
    reset_failure_counter()
    try:
        yield backend
    finally:
        await close_db()


@pytest.fixture
async def client(db: str) -> AsyncIterator[GraphQLClient]:
    from api.app import create_app

    app = create_app(manage_database=False)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield GraphQLClient(http)


@pytest.fixture
async def catalogue(db: str) -> None:
    """The Dafeng demo catalogue."""
    from api.seed import load_catalogue

    await load_catalogue()
