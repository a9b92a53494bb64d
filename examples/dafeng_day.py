"""A day in Dafeng, end to end, on a real server through its public API.

Starts `python -m api serve` from an empty database on a free port of
127.0.0.1, then plays the day. Couriers of the five companies register and
report with photos, and the hospital team receives and acknowledges
emergencies. Departments work their queues, the back office triages,
verifies and pays, and a gatekeeper checks a pass. The program prints the
street office's summary and checks the invariants. It exits with 1 if any
fails, and with 2 if a service cannot start.

    python examples/dafeng_day.py                       # SQLite, local media, in-process events
    python examples/dafeng_day.py --postgres postgres://postgres@127.0.0.1:5432/postgres \\
        --redis redis://127.0.0.1:6379/0 --s3           # PostgreSQL, Redis and SeaweedFS

Only the first admin is made with the command line (`python -m api create-admin`).
With --postgres and --s3 the operator commands `python -m api migrate`,
`python -m api seed` and `python -m api.media prepare-storage` run first, as
they would before a production start.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from examples.dafeng import checks, day, services, summary, work  # noqa: E402
from examples.dafeng.client import Api, ApiError  # noqa: E402
from examples.dafeng.people import AddressPool  # noqa: E402
from examples.dafeng.plan import MAX_REPORTS_PER_COURIER, Plan, make_plan  # noqa: E402


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--couriers", type=int, default=60, help="couriers who register and report (default 60)")
    parser.add_argument("--reports", type=int, default=200, help="reports filed during the day (default 200)")
    parser.add_argument("--postgres", metavar="URL",
                        help="PostgreSQL server to create a fresh database on, e.g. postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", metavar="URL", help="Redis for events and rate limits, e.g. redis://127.0.0.1:6379/0")
    parser.add_argument("--s3", action="store_true", help="store media on a SeaweedFS server started for the run")
    parser.add_argument("--no-timing-check", action="store_true",
                        help="report the shift-start emergency latency without judging it (for loaded test machines)")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the day's plan (default 2026)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the run's folder (server log, database) and PostgreSQL database afterwards")
    args = parser.parse_args(argv)
    if args.couriers < 2:
        parser.error("--couriers must be at least 2")
    if args.reports < 20:
        parser.error("--reports must be at least 20, so that every category and case occurs")
    if args.reports > args.couriers * MAX_REPORTS_PER_COURIER:
        parser.error(f"at most {MAX_REPORTS_PER_COURIER} reports per courier: raise --couriers or lower --reports")
    return args


def log(started: float, message: str) -> None:
    print(f"[{time.monotonic() - started:6.1f} s] {message}", flush=True)


async def play(args: argparse.Namespace, deployment: services.Deployment, started: float) -> int:
    api = Api(deployment.base_url)
    run_id = secrets.token_hex(3)
    # The plan follows --seed. Client addresses differ per run, so runs sharing a Redis do not share rate limits.
    state = day.State(
        api=api, plan=Plan(couriers=0), rng=random.Random(args.seed), run_id=run_id,
        judge_timing=not args.no_timing_check,
    )
    addresses = AddressPool(random.Random())
    try:
        await day.set_up_back_office(state, deployment.admin_password, addresses)
        log(started, f"back office ready: {len(state.staff)} department portals and a gatekeeper")
        boundaries = {code: c["boundary"] for code, c in state.catalogue.communities.items()}
        state.plan = make_plan(couriers=args.couriers, reports=args.reports, communities=boundaries,
                               categories=state.catalogue.categories, rng=state.rng, run_id=run_id)

        subscription, desk = await day.start_hospital_desk(state, deployment.base_url)
        log(started, "hospital team subscribed to emergencies")
        await day.register_couriers(state, args.couriers, addresses)
        log(started, f"{len(state.couriers)} couriers registered and approved")
        await day.start_shift(state, deployment.base_url, addresses)
        log(started, f"shift started: {state.shift_start.logins} logins and a heat-stroke report")
        await day.file_reports(state)
        log(started, f"{len(state.submitted)} reports filed with {state.actions['photos uploaded']} photos")
        await day.stop_hospital_desk(state, subscription, desk)
        log(started, f"hospital team received {len(state.emergencies)} emergencies")

        await work.departments_work(state, "morning")
        log(started, "departments worked their queues")
        await work.triage(state)
        log(started, "back office triaged")
        await work.departments_work(state, "afternoon")
        log(started, "departments worked the re-routed reports")
        await work.verify_and_pay(state)
        log(started, f"back office verified {len(state.awards)} reports and recorded {state.actions['payouts']} payouts")
        await work.check_pass_at_gate(state)
        log(started, "gatekeeper checked a pass")

        results = await checks.run_checks(state)
        gathered = await summary.gather_summary(state)
    except ApiError as error:
        print(f"the day stopped on an unexpected API response: {error}", file=sys.stderr)
        return 1
    finally:
        await api.close()

    print(summary.render_summary(state, gathered, results, setting=deployment.description,
                                 elapsed_seconds=time.monotonic() - started))
    return 0 if all(result.passed for result in results) else 1


def _check_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        raise services.ServiceError(f"Redis at {url} did not respond to PING: {error}") from error


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="fxx-dafeng-day-"))
    seaweedfs = server = None
    database_url = None
    outcome = 2
    try:
        if args.redis:
            _check_redis(args.redis)
        if args.s3:
            seaweedfs = services.start_seaweedfs(folder)
        if args.postgres:
            database_url = services.create_database(args.postgres)
        [port] = services.free_ports(1)
        deployment = services.Deployment(folder, port, database_url, args.redis, seaweedfs)
        environment = deployment.environment()
        services.prepare(deployment, environment)
        server = services.start_server(deployment, environment)
        services.create_admin(deployment, environment)
        log(started, f"server up at {deployment.base_url} ({deployment.description})")
        outcome = asyncio.run(play(args, deployment, started))
    except services.ServiceError as error:
        print(f"cannot start the day: {error}", file=sys.stderr)
    finally:
        if server is not None:
            services.stop_process(server.process)
            if outcome != 0:
                print(f"server log (last lines of {server.log}):\n{services.log_tail(server.log)}", file=sys.stderr)
        if seaweedfs is not None:
            services.stop_process(seaweedfs.process)
        if database_url and not args.keep:
            services.drop_database(args.postgres, database_url)
        if args.keep or outcome == 1:
            print(f"kept the run's folder {folder}" + (f" and database {database_url}" if database_url and args.keep else ""),
                  file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return outcome


if __name__ == "__main__":
    raise SystemExit(main())
