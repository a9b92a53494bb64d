"""The HTTP route that publishes the pass verification keys to gate scanners."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from api.passes.keys import public_pass_keys

# Scanners may cache the key set for an hour.
# NOTE: only the current key is published, so a key rotation rejects offline passes signed with the
# new key until a scanner refetches the set. Publish the next key ahead of use before rotating.
CACHE_CONTROL = "public, max-age=3600"


async def pass_keys(_: Request) -> JSONResponse:
    return JSONResponse(public_pass_keys(), headers={"cache-control": CACHE_CONTROL})
