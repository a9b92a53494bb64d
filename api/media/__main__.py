"""Media housekeeping for cron: ``python -m api.media cleanup | process-pending | prepare-storage``."""

from __future__ import annotations

import argparse
import asyncio
import sys

from api.config import ConfigurationError, get_settings
from api.logging_setup import configure_logging


async def _cleanup(max_age_hours: int) -> None:
    from api.db import close_db, init_db
    from api.media.housekeeping import delete_abandoned

    await init_db()
    try:
        count = await delete_abandoned(max_age_hours=max_age_hours)
    finally:
        await close_db()
    print(f"deleted {count} unattached media older than {max_age_hours} hours")


async def _process_pending() -> None:
    from api.db import close_db, init_db
    from api.media.processing import process_pending

    await init_db()
    try:
        count = await process_pending()
    finally:
        await close_db()
    print(f"processed {count} pending uploads")


async def _prepare_storage(expire_days: int) -> None:
    from api.media.keys import UPLOAD_PREFIX
    from api.storage import get_storage

    await get_storage().prepare(expire_prefix=UPLOAD_PREFIX, expire_days=expire_days)
    print(f"storage ready; uploads expire after {expire_days} days where the backend supports lifecycle rules")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m api.media", description="Media housekeeping")
    commands = parser.add_subparsers(dest="command", required=True)
    cleanup = commands.add_parser("cleanup", help="delete media never attached to a report")
    cleanup.add_argument(
        "--older-than-hours", type=int, help="minimum age in hours (default FXX_MEDIA_UNATTACHED_MAX_AGE_HOURS)"
    )
    commands.add_parser("process-pending", help="process verified uploads whose processing was interrupted")
    prepare = commands.add_parser(
        "prepare-storage", help="create the bucket or folder and a lifecycle rule that expires abandoned uploads"
    )
    prepare.add_argument("--expire-days", type=int, default=2, help="days after which an upload never processed expires")
    args = parser.parse_args(argv)

    try:
        settings = get_settings()
    except ConfigurationError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        raise SystemExit(2) from error
    configure_logging(json_lines=settings.is_production)

    if args.command == "cleanup":
        hours = args.older_than_hours or settings.media_unattached_max_age_hours
        if hours < 1:
            parser.error("--older-than-hours must be at least 1")
        asyncio.run(_cleanup(hours))
    elif args.command == "process-pending":
        asyncio.run(_process_pending())
    elif args.command == "prepare-storage":
        asyncio.run(_prepare_storage(args.expire_days))


if __name__ == "__main__":
    main()
