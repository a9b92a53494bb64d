"""Load driver: requests/s, latency and SQL statements per request of the main API paths, against a ceiling.

    python -m bench.load --database-url postgres://postgres@127.0.0.1:5432/fxx_bench

Fill the database first with ``python -m bench.generate``. The driver starts
two servers on free ports of 127.0.0.1, both one process over that database:
the API (``python -m bench.server --app api``) and the ceiling
(``--app ceiling``, bench/ceiling.py), a bare Starlette endpoint that runs
the same SQL and returns the same JSON for the courier list and the
department queue. Each scenario runs ``--concurrency`` client tasks, each
sending one request after another, until ``--requests`` requests are done
or ``--seconds`` have passed. The emergency fan-out row comes from
bench/subscription_latency.py with its own server process.

The result is a Markdown table on stdout, preceded by the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench import subscription_latency  # noqa: E402
from bench.server import COUNT_HEADER, RESET_HEADER  # noqa: E402

MY_REPORTS = """
query MyReports($first: Int!) {
  myReports(first: $first) {
    edges { cursor node { id status createdAt overdue description
      category { code name points } community { name } departments { name }
      location { latitude longitude address } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
DEPARTMENT_QUEUE = """
query DepartmentQueue($first: Int!, $filter: ReportFilterInput) {
  reports(first: $first, filter: $filter) {
    edges { cursor node { id status createdAt dueAt overdue description
      category { code name } community { name }
      reporter { maskedName company { name } }
      location { latitude longitude } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
LEADERBOARD = """
query Leaderboard { leaderboard(board: HALF_YEAR) {
  title period { year half } entries { rank maskedName company { name } points } me { rank points } } }"""
SUBMIT = """
mutation Submit($input: ReportSubmitInput!) {
  reportSubmit(input: $input) { report { id status } replyMessage errors { field code } } }"""
QUEUE_STATUSES = ["DISPATCHED", "ACCEPTED"]
QUEUE_DEPARTMENT = "urban-management"
SUBMIT_CATEGORIES = ["garbage", "municipal-facility", "traffic-light", "shop-sign", "manhole-cover"]


@dataclass
class Accounts:
    couriers: list[str]                 # access tokens
    staff: str
    department_code: str = QUEUE_DEPARTMENT


@dataclass
class Result:
    scenario: str
    target: str
    latencies: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    resets: list[int] = field(default_factory=list)
    errors: int = 0
    timeouts: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else float("nan")


def server_environment(database_url: str, var_dir: Path) -> dict[str, str]:
    env = subscription_latency.environment(var_dir, database_url, "")
    # Submissions come from a few hundred couriers at a much higher rate than any person sends.
    env["FXX_POINTS_DAILY_REPORT_CAP"] = "1000"
    return env


async def prepare_accounts(database_url: str, couriers: int, seed: int) -> Accounts:
    """Access tokens for a random sample of the generated couriers and for a department's staff member."""
    from api.auth.principal import scopes_for
    from api.auth.tokens import issue_access_token
    from api.models.identity import Role

    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT id, jurisdiction_id, token_version FROM app_user WHERE role = 'COURIER' AND status = 'ACTIVE' "
            "ORDER BY id")
        staff = await connection.fetchrow(
            "SELECT id, jurisdiction_id, token_version, department_id FROM app_user WHERE username = $1",
            f"bench-{QUEUE_DEPARTMENT}")
    finally:
        await connection.close()
    if not rows or staff is None:
        raise SystemExit("no generated couriers or staff found: run python -m bench.generate first")
    sample = random.Random(seed).sample(rows, min(couriers, len(rows)))

    def token(row, role: Role, department_id=None) -> str:  # type: ignore[no-untyped-def]
        value, _ = issue_access_token(user_id=row["id"], role=role.value, jurisdiction_id=row["jurisdiction_id"],
                                      token_version=row["token_version"], scopes=scopes_for(role),
                                      department_id=department_id)
        return value

    return Accounts(couriers=[token(row, Role.COURIER) for row in sample],
                    staff=token(staff, Role.DEPARTMENT_STAFF, staff["department_id"]))


def _submit_body(rng: random.Random) -> dict:
    return {"query": SUBMIT, "variables": {"input": {
        "categoryCode": rng.choice(SUBMIT_CATEGORIES), "idempotencyKey": f"bench-{uuid.uuid4().hex}",
        "description": "路口垃圾堆积", "location": {"latitude": rng.uniform(30.771, 30.793),
                                              "longitude": rng.uniform(104.091, 104.125), "coordinateSystem": "WGS84"},
    }}}


def requests_for(scenario: str, target: str, accounts: Accounts, first: int):  # type: ignore[no-untyped-def]
    """A function returning (path, JSON body, token) for the next request of a scenario."""
    rng = random.Random(hash((scenario, target)))
    queue_filter = {"statuses": QUEUE_STATUSES}
    if scenario == "myReports":
        if target == "ceiling":
            return lambda: ("/my-reports", {"first": first}, rng.choice(accounts.couriers))
        return lambda: ("/graphql", {"query": MY_REPORTS, "variables": {"first": first}}, rng.choice(accounts.couriers))
    if scenario == "departmentQueue":
        if target == "ceiling":
            return lambda: ("/department-queue", {"first": 50, "statuses": QUEUE_STATUSES}, accounts.staff)
        body = {"query": DEPARTMENT_QUEUE, "variables": {"first": 50, "filter": queue_filter}}
        return lambda: ("/graphql", body, accounts.staff)
    if scenario == "reportSubmit":
        return lambda: ("/graphql", _submit_body(rng), rng.choice(accounts.couriers))
    if scenario == "leaderboard":
        return lambda: ("/graphql", {"query": LEADERBOARD}, rng.choice(accounts.couriers))
    raise ValueError(f"unknown scenario {scenario!r}")


def _failed(response: httpx.Response) -> bool:
    if response.status_code != 200:
        return True
    body = response.json()
    if "errors" in body:
        return True
    payload = (body.get("data") or {}).get("reportSubmit")
    return bool(payload and payload.get("errors"))


async def run_scenario(base_url: str, scenario: str, target: str, accounts: Accounts, *, requests: int,
                       seconds: float, concurrency: int, first: int, timeout: float) -> Result:
    result = Result(scenario, target)
    next_request = requests_for(scenario, target, accounts, first)
    remaining = [requests]
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits) as http:
        async def worker() -> None:
            while remaining[0] > 0 and time.perf_counter() < deadline:
                remaining[0] -= 1
                path, body, token = next_request()
                began = time.perf_counter()
                try:
                    response = await http.post(path, json=body, headers={"authorization": f"Bearer {token}"})
                except httpx.TimeoutException:
                    result.errors += 1
                    result.timeouts += 1
                    continue
                elapsed = time.perf_counter() - began
                if _failed(response):
                    result.errors += 1
                    if result.errors == 1:
                        print(f"{scenario} on {target} failed: {response.status_code} {response.text[:300]}",
                              file=sys.stderr)
                    continue
                result.latencies.append(elapsed)
                result.statements.append(int(response.headers.get(COUNT_HEADER.decode(), "0")))
                result.resets.append(int(response.headers.get(RESET_HEADER.decode(), "0")))

        # Two warm-up requests fill the caches of each server process before the clock starts.
        for _ in range(2):
            path, body, token = next_request()
            await http.post(path, json=body, headers={"authorization": f"Bearer {token}"})
        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.seconds = time.perf_counter() - began
    return result


async def check_same_json(api_url: str, ceiling_url: str, accounts: Accounts, first: int,
                          scenarios: list[str]) -> list[str]:
    """Compare the API's data with the ceiling's for the same caller; return the scenarios that differ."""
    differing = []
    async with httpx.AsyncClient(timeout=60) as http:
        for scenario in scenarios:
            api_path, api_body, token = requests_for(scenario, "api", accounts, first)()
            ceiling_path, ceiling_body, _ = requests_for(scenario, "ceiling", accounts, first)()
            headers = {"authorization": f"Bearer {token}"}
            from_api = (await http.post(api_url + api_path, json=api_body, headers=headers)).json()
            from_ceiling = (await http.post(ceiling_url + ceiling_path, json=ceiling_body, headers=headers)).json()
            if from_api != from_ceiling:
                differing.append(scenario)
    return differing


def start(app: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bench.server", "--app", app, "--port", str(port)], cwd=REPO_ROOT,
                            env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def stop(servers: list[subprocess.Popen]) -> None:
    for server in servers:
        server.terminate()
    for server in servers:
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            print(f"server {server.pid} did not stop on SIGTERM; killed", file=sys.stderr)
            server.kill()
            server.wait()


def table(results: list[Result], fanout: list[dict]) -> str:
    ceilings = {r.scenario: r for r in results if r.target == "ceiling"}
    lines = ["| scenario | server | requests | errors | requests/s | p50 ms | p99 ms | SQL statements/request "
             "| pool resets/request | ceiling ÷ API (requests/s) |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        ceiling = ceilings.get(r.scenario)
        ratio = f"{ceiling.rate / r.rate:.1f}" if ceiling and r.target == "api" and r.rate else (
            "1.0" if r.target == "ceiling" else "n/a")
        sql = f"{statistics.mean(r.statements):.1f}" if r.statements else "n/a"
        resets = f"{statistics.mean(r.resets):.1f}" if r.resets else "n/a"
        lines.append(f"| {r.scenario} | {r.target} | {len(r.latencies)} | {r.errors} | {r.rate:.0f} | "
                     f"{r.percentile(0.5):.1f} | {r.percentile(0.99):.1f} | {sql} | {resets} | {ratio} |")
    for row in fanout:
        lines.append(f"| emergency fan-out, {row['subscribers']} subscribers | api | {row['samples']} deliveries "
                     f"| 0 | n/a | {row['p50_ms']} | {row['p99_ms']} | n/a | n/a | n/a |")
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark the API against a bare Starlette ceiling.")
    parser.add_argument("--database-url", required=True, help="PostgreSQL filled by python -m bench.generate")
    parser.add_argument("--scenarios", nargs="+", default=["myReports", "departmentQueue", "reportSubmit",
                                                           "leaderboard"])
    parser.add_argument("--requests", type=int, default=2000, help="maximum requests per scenario and server")
    parser.add_argument("--seconds", type=float, default=30.0, help="maximum seconds per scenario and server")
    parser.add_argument("--concurrency", type=int, default=8, help="client tasks sending requests at once")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds before a request counts as an error (its SQL may run on in PostgreSQL)")
    parser.add_argument("--first", type=int, default=20, help="page size of myReports")
    parser.add_argument("--couriers", type=int, default=500, help="couriers whose tokens the requests rotate over")
    parser.add_argument("--fanout-subscribers", type=int, nargs="*", default=[100],
                        help="emergency subscribers per fan-out row; none skips the fan-out")
    parser.add_argument("--fanout-reports", type=int, default=20, help="reports submitted per fan-out row")
    args = parser.parse_args()
    if args.requests < 1 or args.seconds <= 0 or args.concurrency < 1:
        parser.error("--requests, --seconds and --concurrency must be positive")

    var_dir = Path(tempfile.mkdtemp(prefix="fxx-load-"))
    env = server_environment(args.database_url, var_dir)
    os.environ.update(env)
    accounts = await prepare_accounts(args.database_url, args.couriers, seed=1)
    ports = {"api": subscription_latency._free_port(), "ceiling": subscription_latency._free_port()}
    servers = [start(name, port, env, var_dir / f"{name}.log") for name, port in ports.items()]
    results: list[Result] = []
    try:
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        for url in urls.values():
            await subscription_latency.wait_healthy(url)
        compared = [s for s in ("myReports", "departmentQueue") if s in args.scenarios]
        differing = await check_same_json(urls["api"], urls["ceiling"], accounts, args.first, compared)
        for scenario in args.scenarios:
            targets = ["api", "ceiling"] if scenario in ("myReports", "departmentQueue") else ["api"]
            for target in targets:
                results.append(await run_scenario(
                    urls[target], scenario, target, accounts, requests=args.requests, seconds=args.seconds,
                    concurrency=args.concurrency, first=args.first, timeout=args.timeout))
    finally:
        stop(servers)

    fanout = []
    for subscribers in args.fanout_subscribers:
        fanout.append(await subscription_latency.measure(env, 1, subscribers, args.fanout_reports, var_dir))
    print("$ python -m bench.load " + shlex.join(sys.argv[1:]))
    print(table(results, fanout))
    if compared:
        print(f"same JSON as the ceiling ({', '.join(compared)}): "
              + ("yes" if not differing else "NO, differs for " + ", ".join(differing)))
    timed_out = [f"{r.scenario} on {r.target}: {r.timeouts}" for r in results if r.timeouts]
    if timed_out:
        print(f"requests over the {args.timeout:g} s timeout: " + "; ".join(timed_out))


if __name__ == "__main__":
    asyncio.run(main())
