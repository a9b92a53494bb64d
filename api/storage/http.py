"""HTTP endpoints of the local backend: the presigned POST upload and signed downloads.

Responses follow S3's: 204 on a stored upload, 403 when the policy or signature
does not allow it, 400 when the file is outside the policy's size range.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from api.storage import get_storage
from api.storage.local import DOWNLOAD_PATH, UPLOAD_PATH, LocalStorage, PolicyViolation

logger = logging.getLogger(__name__)

# Room for the form fields and multipart boundaries around the file.
FORM_OVERHEAD_BYTES = 64 * 1024


def _error(code: str, status_code: int) -> JSONResponse:
    return JSONResponse({"code": code}, status_code=status_code)


def _local_storage() -> LocalStorage | None:
    storage = get_storage()
    return storage if isinstance(storage, LocalStorage) else None


async def upload(request: Request) -> Response:
    from api.media.limits import largest_upload_bytes

    storage = _local_storage()
    if storage is None:
        return _error("NotFound", 404)

    # The policy sits inside the body, so the body is bounded by the largest allowed upload first.
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        return _error("MissingContentLength", 411)
    if int(length) > largest_upload_bytes() + FORM_OVERHEAD_BYTES:
        return _error("EntityTooLarge", 400)

    async with request.form(max_files=1, max_fields=16) as form:
        file = form.get("file")
        fields = {name: value for name, value in form.items() if isinstance(value, str)}
        if file is None or isinstance(file, str):
            return _error("InvalidArgument.FileMissing", 400)
        size = file.size if file.size is not None else 0
        try:
            policy = storage.check_upload(fields, size)
        except PolicyViolation as violation:
            logger.info("local upload rejected", extra={"reason": violation.code, "size": size})
            return _error(violation.code, violation.status_code)
        except (ValueError, KeyError, TypeError):
            return _error("InvalidPolicyDocument", 400)
        await file.seek(0)
        await asyncio.to_thread(storage.write_stream, policy.key, file.file)
    return Response(status_code=204)


async def download(request: Request) -> Response:
    storage = _local_storage()
    if storage is None:
        return _error("NotFound", 404)
    key = request.path_params["key"]
    if not storage.check_download(key, request.query_params.get("expires", ""), request.query_params.get("signature", "")):
        return _error("AccessDenied", 403)
    try:
        path = storage.path_for(key)
    except ValueError:
        return _error("AccessDenied", 403)
    if not await asyncio.to_thread(path.is_file):
        return _error("NoSuchKey", 404)
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "private, max-age=60"})


def routes() -> list[Route]:
    return [
        Route(UPLOAD_PATH, upload, methods=["POST"]),
        Route(DOWNLOAD_PATH + "{key:path}", download, methods=["GET"]),
    ]
