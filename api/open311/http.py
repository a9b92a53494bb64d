"""Open311 GeoReport v2 endpoints (JSON only) under /open311/v2.

- GET services.json: the active, non-private categories of a jurisdiction. Public.
- GET services/{service_code}.json: a service definition (no extra attributes).
- GET requests.json: reports the caller may read, with the spec's filters. Readers send an
  X-Api-Key header or a bearer token, because query strings end up in access logs.
- POST requests.json: file a report, as an integrator client with reports:submit.
- GET requests/{service_request_id}.json: one report the caller may read.

Errors follow the spec: a JSON array of {"code", "description"} with the same
HTTP status. jurisdiction_id is our street office code; it may be left out
when the caller is authenticated or only one jurisdiction exists.
"""

from __future__ import annotations

import logging
import math
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.config import get_settings
from api.errors import AppError, ErrorCode, ValidationFailed
from api.i18n import Language, parse_accept_language, translate
from api.integrators.service import IntegratorPrincipal
from api.models.catalogue import Category
from api.models.organisation import Jurisdiction
from api.open311 import mapping
from api.open311.access import Caller, caller_of, readable_reports
from api.open311.filing import PrivateCategory, file_report
from api.security.mutation_limits import app_rate_limiter
from api.security.ratelimit import Limit, enforce

logger = logging.getLogger(__name__)

PREFIX = "/open311/v2"
DEFAULT_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000
FORM_TYPE = "application/x-www-form-urlencoded"
_STATUS_OF_CODE = {
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.RATE_LIMITED: 429,
}


class Open311Error(Exception):
    def __init__(self, status: int, description: str, headers: dict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.headers = headers or {}


def _error_response(error: Open311Error) -> JSONResponse:
    return JSONResponse([{"code": error.status, "description": error.description}], error.status, error.headers)


def _language(request: Request) -> Language:
    return parse_accept_language(request.headers.get("accept-language"))


def _from_app_error(error: AppError, language: Language) -> Open311Error:
    headers = {"Retry-After": str(error.params["retry_after"])} if error.code == ErrorCode.RATE_LIMITED else {}
    description = translate(error.message_key, language, **error.params)
    return Open311Error(_STATUS_OF_CODE.get(error.code, 400), description, headers)


def _endpoint(handler):  # type: ignore[no-untyped-def]
    """Turn Open311Error and AppError into the spec's error array."""

    async def endpoint(request: Request) -> JSONResponse:
        try:
            return await handler(request)
        except Open311Error as error:
            return _error_response(error)
        except AppError as error:
            return _error_response(_from_app_error(error, _language(request)))

    return endpoint


async def _jurisdiction(code: str | None, caller: Caller | None) -> Jurisdiction:
    if caller is not None:
        jurisdiction = await Jurisdiction.get(id=caller.jurisdiction_id)
        if code and code != jurisdiction.code:
            raise Open311Error(404, f"jurisdiction_id {code} not found")
        return jurisdiction
    if code:
        jurisdiction = await Jurisdiction.get_or_none(code=code)
        if jurisdiction is None:
            raise Open311Error(404, f"jurisdiction_id {code} not found")
        return jurisdiction
    jurisdictions = await Jurisdiction.all().limit(2)
    if len(jurisdictions) != 1:
        raise Open311Error(400, "jurisdiction_id is required")
    return jurisdictions[0]


def _public_categories(jurisdiction_id: int):  # type: ignore[no-untyped-def]
    return Category.filter(jurisdiction_id=jurisdiction_id, active=True, private=False)


@_endpoint
async def services(request: Request) -> JSONResponse:
    jurisdiction = await _jurisdiction(request.query_params.get("jurisdiction_id"), None)
    language = _language(request)
    categories = await _public_categories(jurisdiction.id).order_by("group", "code")
    return JSONResponse([mapping.service_record(category, language) for category in categories])


@_endpoint
async def service_definition(request: Request) -> JSONResponse:
    jurisdiction = await _jurisdiction(request.query_params.get("jurisdiction_id"), None)
    code = request.path_params["service_code"]
    if not await _public_categories(jurisdiction.id).filter(code=code).exists():
        raise Open311Error(404, f"service_code {code} not found")
    return JSONResponse({"service_code": code, "attributes": []})


def _parse_datetime(name: str, value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise Open311Error(400, f"{name} must be a W3C date-time such as 2026-07-01T08:00:00+08:00") from error
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _api_key_of(request: Request, form: dict[str, str] | None = None) -> str | None:
    """Read the api_key from the POST body or the X-Api-Key header; URLs are logged, so never from the query."""
    if "api_key" in request.query_params:
        raise Open311Error(400, "send api_key in the X-Api-Key header or the POST body, not in the URL")
    if form is not None and form.get("api_key"):
        return form["api_key"]
    return request.headers.get("x-api-key")


def _list_parameter(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


async def _records(reports, language: Language) -> list[dict]:  # type: ignore[no-untyped-def]
    rows = await reports.select_related("category")
    agencies = await mapping.agencies_by_report(rows, language)
    return [mapping.request_record(r, r.category, agencies.get(r.id), language) for r in rows]


async def _list_requests(request: Request) -> JSONResponse:
    params = request.query_params
    caller = await caller_of(request, _api_key_of(request))
    await _jurisdiction(params.get("jurisdiction_id"), caller)
    reports = readable_reports(caller)

    ids = _list_parameter(params.get("service_request_id"))
    if ids:
        # The spec: with service_request_id, the other filters are ignored.
        try:
            wanted = [uuid.UUID(value) for value in ids]
        except ValueError as error:
            raise Open311Error(400, "service_request_id must be request ids separated by commas") from error
        reports = reports.filter(id__in=wanted)
    else:
        now = datetime.now(timezone.utc)
        end = _parse_datetime("end_date", params["end_date"]) if params.get("end_date") else None
        start = _parse_datetime("start_date", params["start_date"]) if params.get("start_date") else None
        if start is None and end is None:
            start = now - DEFAULT_WINDOW
        if start is not None:
            reports = reports.filter(created_at__gte=start)
        if end is not None:
            reports = reports.filter(created_at__lte=end)
        codes = _list_parameter(params.get("service_code"))
        if codes:
            reports = reports.filter(category__code__in=codes)
        statuses = _list_parameter(params.get("status"))
        if statuses:
            try:
                reports = reports.filter(status__in=list(mapping.statuses_for(statuses)))
            except ValueError as error:
                raise Open311Error(400, "status must be open, closed or both") from error
    reports = reports.order_by("-created_at", "-id").limit(MAX_RESULTS)
    return JSONResponse(await _records(reports, _language(request)))


def _number(form: dict[str, str], name: str) -> float:
    try:
        value = float(form[name])
    except (KeyError, ValueError) as error:
        raise Open311Error(400, f"{name} is required and must be a number") from error
    if not math.isfinite(value):
        raise Open311Error(400, f"{name} must be a finite number")
    return value


async def _form(request: Request) -> dict[str, str]:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM_TYPE:
        raise Open311Error(400, f"send the parameters as {FORM_TYPE}")
    try:
        pairs = parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError as error:
        raise Open311Error(400, "the body must be UTF-8") from error
    return dict(pairs)


async def _check_rate(request: Request, client: IntegratorPrincipal) -> None:
    settings = get_settings()
    address = request.client.host if request.client else "unknown"
    checks = [
        (f"open311_report:address:{address}", Limit.parse(settings.rate_limit_report_address)),
        (f"open311_report:identity:{client.client_id}", Limit.parse(settings.rate_limit_report_identity)),
    ]
    await enforce(app_rate_limiter(request), checks, action="open311_report")


async def _create_request(request: Request) -> JSONResponse:
    form = await _form(request)
    caller = await caller_of(request, _api_key_of(request, form))
    if not isinstance(caller, IntegratorPrincipal):
        raise Open311Error(403, "filing requires an integrator api_key; couriers report through the app")
    await _jurisdiction(form.get("jurisdiction_id"), caller)
    service_code = form.get("service_code", "").strip()
    if not service_code:
        raise Open311Error(400, "service_code is required")
    latitude, longitude = _number(form, "lat"), _number(form, "long")
    await _check_rate(request, caller)

    language = _language(request)
    try:
        filed = await file_report(
            caller,
            service_code=service_code,
            latitude=latitude,
            longitude=longitude,
            description=form.get("description", ""),
            address=form.get("address_string"),
        )
    except PrivateCategory as error:
        raise Open311Error(404, f"service_code {service_code} not found") from error
    except ValidationFailed as error:
        problems = "; ".join(
            f"{problem.field}: {translate(problem.code, language, **problem.params)}" for problem in error.problems
        )
        raise Open311Error(400, problems) from error
    separator = ", " if language is Language.EN else "、"
    notice = separator.join(
        department.name_en if language is Language.EN else department.name_zh for department in filed.departments
    )
    return JSONResponse(
        [{"service_request_id": str(filed.report.id), "service_notice": notice or None, "account_id": None}]
    )


@_endpoint
async def requests_collection(request: Request) -> JSONResponse:
    if request.method == "POST":
        return await _create_request(request)
    return await _list_requests(request)


@_endpoint
async def request_item(request: Request) -> JSONResponse:
    caller = await caller_of(request, _api_key_of(request))
    await _jurisdiction(request.query_params.get("jurisdiction_id"), caller)
    try:
        report_id = uuid.UUID(request.path_params["service_request_id"])
    except ValueError as error:
        raise Open311Error(404, "service_request_id not found") from error
    records = await _records(readable_reports(caller).filter(id=report_id), _language(request))
    if not records:
        raise Open311Error(404, "service_request_id not found")
    return JSONResponse(records)


def routes() -> list[Route]:
    return [
        Route(f"{PREFIX}/services.json", services, methods=["GET"]),
        Route(f"{PREFIX}/services/{{service_code}}.json", service_definition, methods=["GET"]),
        Route(f"{PREFIX}/requests.json", requests_collection, methods=["GET", "POST"]),
        Route(f"{PREFIX}/requests/{{service_request_id}}.json", request_item, methods=["GET"]),
    ]

