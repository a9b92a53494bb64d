"""Serve the API or the ceiling under uvicorn, counting SQL statements per HTTP request. Bench only.

    python -m bench.server --app api --port 8001        # the product's ASGI app
    python -m bench.server --app ceiling --port 8002    # bench/ceiling.py

Settings come from the FXX_* environment like ``python -m api serve``. Every
statement sent through asyncpg (queries, BEGIN, COMMIT, SAVEPOINT) adds one to
the count of the request whose task sent it, and the response carries the
count in the ``x-bench-sql-statements`` header. The query with which asyncpg's
pool resets a connection on release is a round trip too, but is counted apart,
in ``x-bench-sql-resets``. Statements of background tasks (the event
publisher, the webhook worker) belong to no request and are not counted.
"""

from __future__ import annotations

import argparse
import contextvars
import functools
import logging
import sys
from pathlib import Path

import asyncpg

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

COUNT_HEADER = b"x-bench-sql-statements"
RESET_HEADER = b"x-bench-sql-resets"
# asyncpg's Pool sends this on every release (asyncpg 0.32, Connection.get_reset_query).
_RESET_PREFIX = "SELECT pg_advisory_unlock_all()"
# [statements, pool resets] of the current request.
_statements: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("bench_sql_statements", default=None)
_COUNTED_METHODS = ("execute", "executemany", "fetch", "fetchrow", "fetchval", "copy_records_to_table")
_sql_logger = logging.getLogger("bench.sql")


def install_statement_counter(log_sql: bool = False) -> None:
    """Wrap asyncpg's Connection methods, which pool connection proxies also call, to count each statement."""
    for name in _COUNTED_METHODS:
        original = getattr(asyncpg.connection.Connection, name)
        if getattr(original, "_bench_counted", False):
            continue

        @functools.wraps(original)
        async def counted(self, *args, __original=original, **kwargs):  # type: ignore[no-untyped-def]
            box = _statements.get()
            if box is not None:
                is_reset = bool(args) and isinstance(args[0], str) and args[0].startswith(_RESET_PREFIX)
                box[1 if is_reset else 0] += 1
            if log_sql and args:
                _sql_logger.warning("%s", args[0])
            return await __original(self, *args, **kwargs)

        counted._bench_counted = True  # type: ignore[attr-defined]
        setattr(asyncpg.connection.Connection, name, counted)


class StatementCountMiddleware:
    """Give each HTTP request its own counter and report it in a response header."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        box = [0, 0]
        token = _statements.set(box)

        async def send_with_count(message: dict) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (COUNT_HEADER, str(box[0]).encode()),
                                      (RESET_HEADER, str(box[1]).encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_count)
        finally:
            _statements.reset(token)


def build(app_name: str):  # type: ignore[no-untyped-def]
    if app_name == "ceiling":
        from bench.ceiling import create_ceiling_app

        return create_ceiling_app()
    from api.app import create_app
    from api.config import get_settings
    from api.logging_setup import configure_logging

    configure_logging(json_lines=get_settings().is_production)
    return create_app()


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="Serve the API or the ceiling with SQL statements counted.")
    parser.add_argument("--app", choices=["api", "ceiling"], required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log-sql", action="store_true", help="log every statement (to find what the ceiling runs)")
    args = parser.parse_args()
    install_statement_counter(log_sql=args.log_sql)
    app = StatementCountMiddleware(build(args.app))
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False, lifespan="on")


if __name__ == "__main__":
    main()
