"""Smoke test of the benchmark scripts: a tiny data set and a handful of requests produce the table.

Speed is measured by running bench/ by hand, never here: nothing below checks a timing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from tests import services

REPO_ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("myReports", "departmentQueue", "reportSubmit", "leaderboard")


@pytest.fixture
async def bench_database() -> str:
    try:
        admin_url = services.admin_postgres_url()
        url = await services.create_database(admin_url)
    except Exception as error:  # noqa: BLE001 - reported as a skip or, under CI, a failure
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required under CI but could not be started: {error}")
        pytest.skip(f"PostgreSQL not available: {error}")
    try:
        yield url
    finally:
        await services.drop_database(admin_url, url)


async def test_generator_and_driver_produce_table(bench_database: str) -> None:
    from bench import generate

    # given: 5 couriers and 500 reports
    counts = await generate.generate(bench_database, 0.0005, seed=7)

    connection = await asyncpg.connect(bench_database)
    try:
        reports = await connection.fetchval("SELECT count(*) FROM report")
        couriers = await connection.fetchval("SELECT count(*) FROM app_user WHERE role = 'COURIER'")
        negative = await connection.fetchval(
            "SELECT count(*) FROM (SELECT courier_id FROM points_ledger GROUP BY courier_id "
            "HAVING sum(amount) < 0) AS balances")
    finally:
        await connection.close()
    assert counts["reports"] == 500
    assert reports == 500
    assert couriers == 5
    assert negative == 0

    # when: the driver sends a handful of requests per scenario
    completed = subprocess.run(
        [sys.executable, "-m", "bench.load", "--database-url", bench_database, "--requests", "4",
         "--seconds", "10", "--concurrency", "2", "--couriers", "5", "--fanout-subscribers", "1",
         "--fanout-reports", "2"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )

    # then: a table with a row per scenario and server, and the same JSON from the API and the ceiling
    assert completed.returncode == 0, completed.stderr[-2000:]
    output = completed.stdout
    assert output.startswith("$ python -m bench.load ")
    assert "| scenario | server | requests | errors | requests/s |" in output
    rows = [line.split("|")[1:-1] for line in output.splitlines() if line.startswith("| ") and "---" not in line]
    cells = {(row[0].strip(), row[1].strip()): row for row in rows[1:]}
    for scenario in SCENARIOS:
        assert (scenario, "api") in cells, output
        assert cells[(scenario, "api")][3].strip() == "0", output
    assert ("myReports", "ceiling") in cells
    assert ("departmentQueue", "ceiling") in cells
    assert ("emergency fan-out, 1 subscribers", "api") in cells
    assert "same JSON as the ceiling (myReports, departmentQueue): yes" in output
