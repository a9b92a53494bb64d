"""Profile one scenario of bench/load.py in process with pyinstrument.

    python -m bench.profile --database-url postgres://postgres@127.0.0.1:5432/fxx_bench --scenario myReports

The API app runs in this process behind httpx's ASGI transport, so the
profile holds the server's work (middleware, GraphQL, Tortoise, asyncpg)
and not the network. Requests are sent one at a time. pyinstrument is in the
``bench`` extra of pyproject.toml.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench import load  # noqa: E402


async def profile(database_url: str, scenario: str, requests: int, show_all: bool) -> str:
    from pyinstrument import Profiler

    os.environ.update(load.server_environment(database_url, Path(tempfile.mkdtemp(prefix="fxx-profile-"))))
    from api.app import create_app
    from api.db import close_db, init_db

    accounts = await load.prepare_accounts(database_url, 200, seed=1)
    next_request = load.requests_for(scenario, "api", accounts, 20)
    await init_db(database_url)
    try:
        app = create_app(manage_database=False)
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            async def send() -> None:
                path, body, token = next_request()
                response = await http.post(path, json=body, headers={"authorization": f"Bearer {token}"})
                if load._failed(response):
                    raise SystemExit(f"{scenario} failed: {response.status_code} {response.text[:300]}")

            for _ in range(5):
                await send()
            profiler = Profiler(async_mode="enabled")
            profiler.start()
            for _ in range(requests):
                await send()
            profiler.stop()
    finally:
        await close_db()
    return profiler.output_text(unicode=True, color=False, show_all=show_all)


def main() -> None:
    parser = argparse.ArgumentParser(description="Profile one benchmark scenario with pyinstrument.")
    parser.add_argument("--database-url", required=True, help="PostgreSQL filled by python -m bench.generate")
    parser.add_argument("--scenario", default="myReports",
                        choices=["myReports", "departmentQueue", "reportSubmit", "leaderboard"])
    parser.add_argument("--requests", type=int, default=200, help="requests profiled, sent one at a time")
    parser.add_argument("--show-all", action="store_true", help="keep library frames that pyinstrument hides")
    args = parser.parse_args()
    print(asyncio.run(profile(args.database_url, args.scenario, args.requests, args.show_all)))


if __name__ == "__main__":
    main()
