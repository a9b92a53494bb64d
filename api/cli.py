"""Command line: ``python -m api serve | migrate | seed | create-admin | export-points``."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sys

from api.config import ConfigurationError, get_settings
from api.logging_setup import configure_logging

logger = logging.getLogger(__name__)


async def _migrate() -> None:
    from api.db import apply_migrations, close_db

    try:
        await apply_migrations()
    finally:
        await close_db()


async def _seed(path: str | None) -> None:
    from api.db import close_db, init_db
    from api.seed import load_catalogue

    await init_db()
    try:
        summary = await load_catalogue(path)
        print(summary)
    finally:
        await close_db()


async def _prepare_embedded() -> None:
    """On the embedded default: apply migrations and load the demo catalogue on first start."""
    from api.db import apply_migrations, close_db, init_db
    from api.models.organisation import Jurisdiction
    from api.seed import load_catalogue

    await apply_migrations()
    await close_db()
    await init_db()
    try:
        if not await Jurisdiction.exists():
            await load_catalogue(None)
            logger.info("demo catalogue loaded")
    finally:
        await close_db()


async def _create_admin(args: argparse.Namespace) -> int:
    from api.db import close_db, init_db
    from api.errors import ValidationFailed
    from api.i18n import Language, translate
    from api.identity.service import create_admin

    password = args.password or os.environ.get("FXX_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    await init_db()
    try:
        user = await create_admin(
            jurisdiction_code=args.jurisdiction, real_name=args.name, username=args.username, password=password
        )
    except ValidationFailed as error:
        for problem in error.problems:
            print(f"error: {problem.field}: {translate(problem.code, Language.EN)}", file=sys.stderr)
        return 2
    finally:
        await close_db()
    print(f"created admin {user.username} ({user.id})")
    return 0


async def _export_points(args: argparse.Namespace) -> int:
    from api.db import close_db, init_db
    from api.errors import ValidationFailed
    from api.i18n import Language, translate
    from api.points.export import export_period

    await init_db()
    try:
        if args.output:
            # UTF-8 with a byte order mark, so spreadsheet programs read the Chinese names correctly.
            with open(args.output, "w", encoding="utf-8-sig", newline="") as output:
                rows = await export_period(args.jurisdiction, args.period, output)
        else:
            rows = await export_period(args.jurisdiction, args.period, sys.stdout)
    except ValidationFailed as error:
        for problem in error.problems:
            print(f"error: {problem.field}: {translate(problem.code, Language.EN)}", file=sys.stderr)
        return 2
    finally:
        await close_db()
    print(f"exported {rows} couriers", file=sys.stderr)
    return 0


def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    # The options become settings, so the default public URL and worker processes agree with them.
    if args.host:
        os.environ["FXX_HOST"] = args.host
    if args.port:
        os.environ["FXX_PORT"] = str(args.port)
    get_settings.cache_clear()
    settings = get_settings()
    if settings.database_url.startswith("sqlite://"):
        asyncio.run(_prepare_embedded())
    uvicorn.run(
        "api.asgi:app",
        host=settings.host,
        port=settings.port,
        workers=args.workers,
        proxy_headers=True,
        log_config=None,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="fengxingxia", description="Fengxingxia API server")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the API server (uvicorn)")
    serve.add_argument("--host", help="address to bind (default FXX_HOST)")
    serve.add_argument("--port", type=int, help="port to bind (default FXX_PORT)")
    serve.add_argument("--workers", type=int, default=1, help="number of worker processes")

    commands.add_parser("migrate", help="apply database migrations")
    export = commands.add_parser("export-schema", help="write the GraphQL SDL to a file")
    export.add_argument("path", nargs="?", default="api/schema.graphql")

    seed = commands.add_parser("seed", help="load a catalogue data file (default: the Dafeng demo)")
    seed.add_argument("path", nargs="?", help="JSON data file")

    admin = commands.add_parser("create-admin", help="create a back-office admin account")
    admin.add_argument("--jurisdiction", required=True, help="jurisdiction code, e.g. dafeng")
    admin.add_argument("--username", required=True)
    admin.add_argument("--name", required=True, help="real name")
    admin.add_argument("--password", help="password (default: FXX_ADMIN_PASSWORD or a prompt)")

    points = commands.add_parser(
        "export-points", help="write a period's awards and payouts per courier as CSV for the finance office"
    )
    points.add_argument("--jurisdiction", required=True, help="jurisdiction code, e.g. dafeng")
    points.add_argument(
        "--period", required=True, help="2026 for a year, 2026-H1 or 2026-H2 for a half-year, in Beijing time"
    )
    points.add_argument("--output", help="CSV file to write (default: standard output); it contains real names")

    args = parser.parse_args(argv)
    try:
        settings = get_settings()
    except ConfigurationError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        raise SystemExit(2) from error
    configure_logging(json_lines=settings.is_production)

    if args.command == "serve":
        _serve(args)
    elif args.command == "migrate":
        asyncio.run(_migrate())
    elif args.command == "export-schema":
        from pathlib import Path

        from api.schema.root import schema

        Path(args.path).write_text(schema.as_str() + "\n", encoding="utf-8")
        print(f"wrote {args.path}")
    elif args.command == "seed":
        asyncio.run(_seed(args.path))
    elif args.command == "create-admin":
        raise SystemExit(asyncio.run(_create_admin(args)))
    elif args.command == "export-points":
        raise SystemExit(asyncio.run(_export_points(args)))
