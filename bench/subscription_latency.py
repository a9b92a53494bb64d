"""Latency from reportSubmit returning to emergency subscribers receiving the event.

Starts one or two real server processes (uvicorn) on free ports of 127.0.0.1
over one database, opens N graphql-transport-ws subscribers of
``emergencyReports`` as hospital staff, submits medical emergencies one at a
time as a courier and records, for every subscriber and report, the time from
the submit response to the event's arrival. With two processes, reports go to
process A and every subscriber listens on process B, so each event crosses
Redis. A negative latency means the event arrived before the HTTP response.

    python bench/subscription_latency.py                      # 1, 100, 1000 subscribers, 1 and 2 processes
    python bench/subscription_latency.py --subscribers 100 --processes 2 --reports 50
    python bench/subscription_latency.py --database-url postgres://postgres@127.0.0.1:5432/bench

The database is a fresh SQLite file under a temporary directory unless
--database-url names one; that one is migrated and seeded with the demo catalogue.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

SUBMIT = """
mutation Submit($input: ReportSubmitInput!) { reportSubmit(input: $input) { report { id } errors { code } } }
"""
EMERGENCIES = "subscription { emergencyReports { cursor report { id } } }"


def environment(var_dir: Path, database_url: str, redis_url: str) -> dict[str, str]:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    values = {key: value for key, value in os.environ.items() if not key.startswith("FXX_")}
    values.update(
        {
            "FXX_ENVIRONMENT": "development",
            "FXX_VAR_DIR": str(var_dir),
            "FXX_DATABASE_URL": database_url,
            "FXX_JWT_PRIVATE_KEY": pem,
            "FXX_DATA_ENCRYPTION_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "FXX_DATA_HASH_KEY": secrets.token_urlsafe(32),
            "FXX_REDIS_URL": redis_url,
            "FXX_EVENTS_CHANNEL_PREFIX": f"fxx-bench-{uuid.uuid4().hex[:8]}",
            "FXX_SUBSCRIPTIONS_PER_CONNECTION": "10",
            # The benchmark submits many reports from one courier and one address.
            "FXX_RATE_LIMIT_REPORT_IDENTITY": "100000/3600",
            "FXX_RATE_LIMIT_REPORT_ADDRESS": "100000/3600",
        }
    )
    return values


async def prepare_accounts() -> tuple[str, str]:
    """Create a courier and a hospital staff member; return their access tokens."""
    from api.auth.principal import scopes_for
    from api.auth.tokens import issue_access_token
    from api.db import close_db, init_db
    from api.identity import service
    from api.models.catalogue import Department
    from api.models.identity import Role, User, UserStatus
    from api.seed import load_catalogue

    await init_db()
    try:
        await load_catalogue()
        department = await Department.get(code="hospital-emergency")
        suffix = uuid.uuid4().hex[:8]
        staff = await service._create_staff_account(
            jurisdiction_id=department.jurisdiction_id, role=Role.DEPARTMENT_STAFF, real_name="赵急救",
            username=f"bench-staff-{suffix}", password="Bench2026ok", department_id=department.id,
            community_ids=[], created_by=None,
        )
        courier = await User.create(
            jurisdiction_id=department.jurisdiction_id, role=Role.COURIER, status=UserStatus.ACTIVE,
            real_name="王测试", phone=f"138{int(suffix, 16) % 10**8:08d}", password_hash="!", 
        )
        tokens = []
        for user in (courier, staff):
            token, _ = issue_access_token(
                user_id=user.id, role=user.role.value, jurisdiction_id=user.jurisdiction_id,
                token_version=user.token_version, scopes=scopes_for(user.role), department_id=user.department_id,
            )
            tokens.append(token)
        return tokens[0], tokens[1]
    finally:
        await close_db()


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.asgi:app", "--host", "127.0.0.1", "--port", str(port),
         "--ws", "websockets-sansio", "--no-access-log", "--log-level", "warning"],
        cwd=REPO_ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )


async def wait_healthy(url: str) -> None:
    import httpx

    async with httpx.AsyncClient() as http:
        for _ in range(600):
            try:
                if (await http.get(f"{url}/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"server at {url} did not start")


async def subscriber(url: str, token: str, arrivals: dict[str, list[float]], ready: asyncio.Event, count: list[int],
                     total: int) -> None:
    from websockets.asyncio.client import connect

    async with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=30, max_queue=None) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"accessToken": token}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": EMERGENCIES}}))
        count[0] += 1
        if count[0] == total:
            ready.set()
        async for raw in ws:
            received = time.perf_counter()
            message = json.loads(raw)
            if message["type"] == "ping":
                await ws.send(json.dumps({"type": "pong"}))
            elif message["type"] == "next":
                arrivals.setdefault(message["payload"]["data"]["emergencyReports"]["report"]["id"], []).append(received)


async def measure(env: dict[str, str], processes: int, subscribers: int, reports: int, tmp: Path) -> dict:
    import httpx

    courier_token, staff_token = await prepare_accounts()
    ports = []
    servers = []
    for index in range(processes):
        port = _free_port()
        ports.append(port)
        servers.append(start_server(env, port, tmp / f"server-{processes}-{subscribers}-{index}.log"))
    try:
        for port in ports:
            await wait_healthy(f"http://127.0.0.1:{port}")
        submit_url = f"http://127.0.0.1:{ports[0]}/graphql"
        listen_url = f"ws://127.0.0.1:{ports[-1]}/graphql"
        arrivals: dict[str, list[float]] = {}
        ready = asyncio.Event()
        count = [0]
        tasks = [asyncio.create_task(subscriber(listen_url, staff_token, arrivals, ready, count, subscribers))
                 for _ in range(subscribers)]
        await asyncio.wait_for(ready.wait(), timeout=120)
        await asyncio.sleep(1.0)

        latencies: list[float] = []
        async with httpx.AsyncClient(timeout=30) as http:
            for number in range(reports):
                body = {"query": SUBMIT, "variables": {"input": {
                    "categoryCode": "medical-emergency", "idempotencyKey": f"bench-{uuid.uuid4().hex}",
                    "description": "bench", "location": {"latitude": 30.776, "longitude": 104.096 + number * 1e-4,
                                                         "coordinateSystem": "WGS84"},
                }}}
                response = await http.post(submit_url, json=body, headers={"authorization": f"Bearer {courier_token}"})
                returned = time.perf_counter()
                report_id = response.json()["data"]["reportSubmit"]["report"]["id"]
                deadline = returned + 30
                while len(arrivals.get(report_id, [])) < subscribers and time.perf_counter() < deadline:
                    await asyncio.sleep(0.002)
                got = arrivals.get(report_id, [])
                if len(got) < subscribers:
                    raise RuntimeError(f"only {len(got)} of {subscribers} subscribers received report {number}")
                latencies.extend(t - returned for t in got)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                print(f"server {server.pid} did not stop on SIGTERM; killed", file=sys.stderr, flush=True)
                server.kill()
                server.wait()
    ordered = sorted(latencies)
    return {
        "processes": processes,
        "subscribers": subscribers,
        "reports": reports,
        "samples": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, nargs="+", default=[1, 100, 1000])
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2], choices=[1, 2])
    parser.add_argument("--reports", type=int, default=20, help="reports submitted per configuration")
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="used with two processes")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="fxx-bench-"))
    database_url = args.database_url or f"sqlite://{tmp / 'bench.sqlite3'}"
    base_env = environment(tmp, database_url, "")
    os.environ.update(base_env)
    subprocess.run([sys.executable, "-m", "api", "migrate"], cwd=REPO_ROOT, env=base_env, check=True,
                   capture_output=True)
    for processes in args.processes:
        env = dict(base_env, FXX_REDIS_URL=args.redis_url if processes == 2 else "")
        for subscribers in args.subscribers:
            result = await measure(env, processes, subscribers, args.reports, tmp)
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
