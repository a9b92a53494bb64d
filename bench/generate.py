"""Fill a PostgreSQL database with a realistic jurisdiction for the benchmarks.

    python -m bench.generate --scale 1.0 --database-url postgres://postgres@127.0.0.1:5432/fxx_bench

At scale 1.0 this is the Dafeng catalogue (5 companies, 6 departments, 6
communities, 12 categories), 10,000 couriers and 1,000,000 reports spread
over the two years before now, with their dispatches, timelines, duplicate
links and points ledger (awards, a few revocations, quarterly payouts).
Counts of couriers and reports scale linearly with --scale.

The database must be empty of reports: the command applies the migrations,
loads the catalogue (both idempotent), then bulk-loads rows with COPY. During
the load it sets session_replication_role=replica when it may (superuser), so
PostgreSQL skips foreign-key triggers; the generator writes consistent ids.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import hashlib
import itertools
import logging
import math
import random
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import asyncpg

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench import history  # noqa: E402

COURIERS_AT_SCALE_1 = 10_000
REPORTS_AT_SCALE_1 = 1_000_000
DAYS = 730
CHUNK = 50_000
PAYOUT_MINIMUM = 50
# Share of couriers per company; Meituan and Fengniao riders are the most numerous in the story.
COMPANY_MIX = {"meituan": 0.35, "fengniao": 0.2, "sf": 0.15, "zto": 0.15, "yunda": 0.15}
# Reports per hour of the Beijing day: riders report while they ride, mostly around the meal peaks.
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 7, 9, 8, 8, 10, 10, 7, 6, 6, 7, 9, 10, 9, 7, 5, 3, 2]
BEIJING_OFFSET = timedelta(hours=8)
FAMILY_NAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN_NAMES = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红飞鹏辉波宁"

USER_COLUMNS = ("id", "created_at", "updated_at", "jurisdiction_id", "role", "status", "real_name", "phone",
                "username", "password_hash", "token_version", "department_id", "approved_at")
PROFILE_COLUMNS = ("created_at", "updated_at", "user_id", "company_id", "id_number_encrypted", "id_number_hash",
                   "id_number_last4")


async def prepare_schema(database_url: str) -> None:
    """Apply the migrations and load the Dafeng catalogue through the product's own code."""
    from api.db import apply_migrations, close_db, init_db
    from api.seed import load_catalogue

    await apply_migrations(database_url)
    await close_db()
    await init_db(database_url)
    try:
        await load_catalogue()
    finally:
        await close_db()


async def read_catalogue(connection: asyncpg.Connection) -> tuple[int, dict, dict, list, dict[int, str]]:
    jurisdiction_id = await connection.fetchval("SELECT id FROM jurisdiction WHERE code = 'dafeng'")
    categories = {
        row["code"]: dict(row)
        for row in await connection.fetch(
            "SELECT id, code, points, response_minutes, private, is_other, priority FROM category "
            "WHERE jurisdiction_id = $1", jurisdiction_id)
    }
    owners: dict[int, list[int]] = {c["id"]: [] for c in categories.values()}
    for row in await connection.fetch(
            "SELECT g.category_id, g.department_id FROM category_grant g JOIN department d ON d.id = g.department_id "
            "WHERE d.jurisdiction_id = $1 ORDER BY g.department_id", jurisdiction_id):
        owners[row["category_id"]].append(row["department_id"])
    communities = []
    for row in await connection.fetch(
            "SELECT id, department_id, boundary FROM community WHERE jurisdiction_id = $1 ORDER BY id",
            jurisdiction_id):
        import json

        ring = json.loads(row["boundary"])["coordinates"][0]
        longitudes = [point[0] for point in ring]
        latitudes = [point[1] for point in ring]
        # NOTE: points are drawn in each community's bounding box, which equals the area for the
        # rectangular Dafeng demo boundaries but not for other shapes.
        box = (min(longitudes), min(latitudes), max(longitudes), max(latitudes))
        communities.append((row["id"], row["department_id"], box))
    departments = {row["id"]: row["code"] for row in await connection.fetch(
        "SELECT id, code FROM department WHERE jurisdiction_id = $1", jurisdiction_id)}
    return jurisdiction_id, categories, owners, communities, departments


def _name(rng: random.Random) -> str:
    return rng.choice(FAMILY_NAMES) + "".join(rng.choice(GIVEN_NAMES) for _ in range(rng.choice((1, 2))))


async def create_people(connection: asyncpg.Connection, rng: random.Random, jurisdiction_id: int,
                        departments: dict[int, str], couriers: int, start: datetime) -> tuple:
    """Insert one staff member per department, one admin and the couriers with their profiles."""
    companies = {row["code"]: row["id"] for row in await connection.fetch("SELECT id, code FROM company")}
    users, profiles = [], []
    staff_of: dict[int, uuid.UUID] = {}
    for department_id, code in sorted(departments.items()):
        staff_of[department_id] = uuid.uuid4()
        users.append((staff_of[department_id], start, start, jurisdiction_id, "DEPARTMENT_STAFF", "ACTIVE",
                      _name(rng), None, f"bench-{code}", "!", 0, department_id, start))
    admin_id = uuid.uuid4()
    users.append((admin_id, start, start, jurisdiction_id, "ADMIN", "ACTIVE", _name(rng), None, "bench-admin", "!", 0,
                  None, start))

    company_codes = list(COMPANY_MIX)
    courier_ids = []
    for number in range(couriers):
        courier_id = uuid.uuid4()
        courier_ids.append(courier_id)
        joined = start - timedelta(days=rng.uniform(0, 365))
        users.append((courier_id, joined, joined, jurisdiction_id, "COURIER", "ACTIVE", _name(rng),
                      f"139{number:08d}", None, "!", 0, None, joined))
        company = rng.choices(company_codes, [COMPANY_MIX[c] for c in company_codes])[0]
        digest = hashlib.sha256(f"bench-courier-{number}".encode()).hexdigest()
        # NOTE: the ID number is a placeholder, not a Fernet token, so reading it back through the API fails.
        profiles.append((joined, joined, courier_id, companies[company], "bench-placeholder", digest,
                         f"{number % 10_000:04d}"))
    await connection.copy_records_to_table("app_user", records=users, columns=USER_COLUMNS)
    await connection.copy_records_to_table("courier_profile", records=profiles, columns=PROFILE_COLUMNS)
    return courier_ids, staff_of, admin_id


def report_times(rng: random.Random, count: int, start: datetime, now: datetime) -> list[datetime]:
    """Submission times, oldest first: volume grows threefold over the period and follows the riders' day."""
    hours = list(range(24))
    times = []
    days = (now - start).days
    for _ in range(count):
        # Inverse CDF of the linear density 0.5 + x on [0, 1].
        share = -0.5 + math.sqrt(0.25 + 2 * rng.random())
        day = start + timedelta(days=min(int(share * days), days - 1))
        local_hour = rng.choices(hours, HOUR_WEIGHTS)[0]
        moment = day.replace(hour=0, minute=0, second=0, microsecond=0) - BEIJING_OFFSET + timedelta(
            hours=local_hour, seconds=rng.uniform(0, 3600))
        times.append(min(moment, now - timedelta(seconds=1)))
    times.sort()
    return times


def quarter_ends(start: datetime, now: datetime) -> list[datetime]:
    ends = []
    year, month = start.year, 1
    while True:
        moment = datetime(year, month, 1, tzinfo=timezone.utc) - BEIJING_OFFSET
        if moment > now:
            return ends
        if moment > start:
            ends.append(moment)
        month += 3
        if month > 12:
            year, month = year + 1, 1


async def copy_rows(connection: asyncpg.Connection, rows: history.Rows) -> None:
    for table, records, columns in (
        ("report", rows.reports, history.REPORT_COLUMNS),
        ("report_dispatch", rows.dispatches, history.DISPATCH_COLUMNS),
        ("report_timeline", rows.timeline, history.TIMELINE_COLUMNS),
        ("points_ledger", rows.ledger, history.LEDGER_COLUMNS),
        ("report_duplicate_link", rows.duplicates, history.DUPLICATE_COLUMNS),
    ):
        if records:
            await connection.copy_records_to_table(table, records=records, columns=columns)


async def generate(database_url: str, scale: float, seed: int, now: datetime | None = None) -> dict[str, int]:
    """Fill the database; return the number of rows written per table."""
    rng = random.Random(seed)
    now = now or datetime.now(timezone.utc)
    start = now - timedelta(days=DAYS)
    couriers = max(1, round(COURIERS_AT_SCALE_1 * scale))
    reports = max(1, round(REPORTS_AT_SCALE_1 * scale))

    await prepare_schema(database_url)
    connection = await asyncpg.connect(database_url)
    try:
        if await connection.fetchval("SELECT EXISTS (SELECT 1 FROM report)"):
            raise SystemExit("the database already holds reports; give an empty database (see --help)")
        try:
            await connection.execute("SET session_replication_role = replica")
        except asyncpg.InsufficientPrivilegeError:
            print("not a superuser: foreign keys are checked during the load, which is slower", file=sys.stderr)
        jurisdiction_id, categories, owners, communities, departments = await read_catalogue(connection)
        courier_ids, staff_of, admin_id = await create_people(
            connection, rng, jurisdiction_id, departments, couriers, start)
        catalogue = history.Catalogue(jurisdiction_id, categories, owners, communities, staff_of, admin_id)

        # Some riders report far more than others: activity follows a log-normal distribution.
        activity = list(itertools.accumulate(rng.lognormvariate(0, 1.2) for _ in courier_ids))
        writer = history.HistoryWriter(catalogue, rng, now)
        counts = {"couriers": couriers, "reports": 0, "dispatches": 0, "timeline": 0, "ledger": 0, "duplicates": 0}
        times = report_times(rng, reports, start, now)
        began = time.monotonic()
        for offset in range(0, reports, CHUNK):
            for created in times[offset:offset + CHUNK]:
                courier = courier_ids[bisect.bisect(activity, rng.random() * activity[-1]) % len(courier_ids)]
                writer.add(courier, created)
            _count(counts, writer.rows)
            await copy_rows(connection, writer.rows)
            writer.rows.clear()
            print(f"{counts['reports']:,} reports written in {time.monotonic() - began:.0f} s", file=sys.stderr,
                  flush=True)

        payouts = history.payouts(writer.point_events, quarter_ends(start, now), now, PAYOUT_MINIMUM,
                                  jurisdiction_id, admin_id)
        await connection.copy_records_to_table("points_ledger", records=payouts, columns=history.LEDGER_COLUMNS)
        counts["ledger"] += len(payouts)
        await connection.execute("RESET session_replication_role")
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return counts


def _count(counts: dict[str, int], rows: history.Rows) -> None:
    counts["reports"] += len(rows.reports)
    counts["dispatches"] += len(rows.dispatches)
    counts["timeline"] += len(rows.timeline)
    counts["ledger"] += len(rows.ledger)
    counts["duplicates"] += len(rows.duplicates)


def main() -> None:
    parser = argparse.ArgumentParser(description="Fill PostgreSQL with benchmark data (see the module docstring).")
    parser.add_argument("--database-url", required=True, help="postgres://… of an empty or freshly migrated database")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="1.0 = 10,000 couriers and 1,000,000 reports; counts scale linearly")
    parser.add_argument("--seed", type=int, default=20240601, help="random seed, for a repeatable data set")
    args = parser.parse_args()
    if args.scale <= 0:
        parser.error("--scale must be greater than 0")
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a PostgreSQL URL (postgres://user@host:port/database)")
    logging.basicConfig(level=logging.WARNING)
    began = time.monotonic()
    counts = asyncio.run(generate(args.database_url, args.scale, args.seed))
    print(f"generated {counts} in {time.monotonic() - began:.0f} s", flush=True)


if __name__ == "__main__":
    main()
