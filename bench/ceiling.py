"""The ceiling: bare Starlette endpoints that run the API's SQL and return the API's JSON. Bench only.

``POST /my-reports`` answers what bench/load.py's MY_REPORTS query returns for
a courier, and ``POST /department-queue`` what DEPARTMENT_QUEUE returns for a
staff member. Each checks the same bearer token and account row, sends the
statements that Tortoise sends for those GraphQL requests (copied from a run
of ``python -m bench.server --app api --log-sql``) over one pooled asyncpg
connection, and builds the same response by hand. No GraphQL, no ORM and no
middleware, so the API's requests/s divided by these is the cost of those layers.

NOTE: these endpoints check only what the two scenarios need (a courier, or
staff of a department) and are no model for product code.
"""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from datetime import datetime, timezone

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api import pii
from api.auth.tokens import decode_access_token
from api.config import get_settings
from api.errors import AppError

REPORT_COLUMNS = (
    '"submitted_latitude","dispatched_at","created_at","closed_at","category_id","submitted_coordinate_system",'
    '"community_id","duplicate_of_id","due_at","updated_at","reporter_id","source","status","jurisdiction_id",'
    '"outside_communities","accuracy_m","request_fingerprint","id","address","resolved_at","description",'
    '"accepted_at","longitude","idempotency_key","latitude","other_text","submitted_longitude","triage_reason"'
)
USER_SQL = (
    'SELECT "role","updated_at","username","token_version","approved_at","department_id","status","phone",'
    '"approved_by_id","created_at","jurisdiction_id","password_hash","id","real_name" FROM "app_user" '
    'WHERE "id"=$1 LIMIT $2'
)
MY_REPORTS_SQL = (
    f'SELECT {REPORT_COLUMNS} FROM "report" WHERE "jurisdiction_id"=$1 AND "reporter_id"=$2 '
    'ORDER BY "created_at" DESC,"id" DESC LIMIT $3'
)
QUEUE_SQL = (
    f'SELECT {REPORT_COLUMNS} FROM "report" WHERE "jurisdiction_id"=$1 AND "id" IN (SELECT "d"."report_id" '
    'FROM "report_dispatch" "d" JOIN "report" "r" ON "r"."id"="d"."report_id" '
    'WHERE "d"."department_id"=$2 AND "d"."active"=$4 AND "d"."department_id"=$6 AND "d"."active"=$8 AND '
    '(("d"."role"=$3 AND "r"."category_id" IN (SELECT "category_id" FROM "category_grant" WHERE "department_id"=$5)) '
    'OR ("d"."role"=$7 AND "r"."category_id" IN (SELECT "id" FROM "category" WHERE "jurisdiction_id"=$9 '
    'AND "private"=$10)))) '
    'AND "status" IN ({statuses}) ORDER BY "created_at" DESC,"id" DESC LIMIT ${limit}'
)
CATEGORY_SQL = (
    'SELECT "priority","group","points","updated_at","name_zh","gb_code","private","is_other","active","name_en",'
    '"code","created_at","duplicate_radius_m","jurisdiction_id","response_minutes","emergency_call","id" '
    'FROM "category" WHERE "id" IN ({ids})'
)
COMMUNITY_SQL = (
    'SELECT "boundary","updated_at","name_zh","active","department_id","name_en","code","created_at",'
    '"jurisdiction_id","id" FROM "community" WHERE "id" IN ({ids})'
)
OWNERS_SQL = (
    'SELECT "report_dispatch"."role","report_dispatch"."updated_at","report_dispatch"."active",'
    '"report_dispatch"."department_id","report_dispatch"."report_id","report_dispatch"."created_at",'
    '"report_dispatch"."id","report_dispatch__department"."updated_at" "report_dispatch__department.updated_at",'
    '"report_dispatch__department"."name_zh" "report_dispatch__department.name_zh",'
    '"report_dispatch__department"."active" "report_dispatch__department.active",'
    '"report_dispatch__department"."name_en" "report_dispatch__department.name_en",'
    '"report_dispatch__department"."code" "report_dispatch__department.code",'
    '"report_dispatch__department"."created_at" "report_dispatch__department.created_at",'
    '"report_dispatch__department"."jurisdiction_id" "report_dispatch__department.jurisdiction_id",'
    '"report_dispatch__department"."kind" "report_dispatch__department.kind",'
    '"report_dispatch__department"."id" "report_dispatch__department.id" FROM "report_dispatch" '
    'LEFT OUTER JOIN "department" "report_dispatch__department" ON '
    '"report_dispatch__department"."id"="report_dispatch"."department_id" WHERE "report_dispatch"."report_id" IN '
    '({ids}) AND "report_dispatch"."role"=${role} AND "report_dispatch"."active"=${active} '
    'ORDER BY "report_dispatch"."department_id" ASC'
)
PEOPLE_SQL = (
    'SELECT "role","updated_at","username","token_version","approved_at","department_id","status","phone",'
    '"approved_by_id","created_at","jurisdiction_id","password_hash","id","real_name" FROM "app_user" '
    'WHERE "id" IN ({ids})'
)
PROFILES_SQL = (
    'SELECT "courier_profile"."id_number_last4","courier_profile"."updated_at","courier_profile"."company_id",'
    '"courier_profile"."created_at","courier_profile"."id_number_encrypted","courier_profile"."id_number_hash",'
    '"courier_profile"."user_id","courier_profile"."id","courier_profile__company"."updated_at" '
    '"courier_profile__company.updated_at","courier_profile__company"."name_zh" "courier_profile__company.name_zh",'
    '"courier_profile__company"."active" "courier_profile__company.active","courier_profile__company"."name_en" '
    '"courier_profile__company.name_en","courier_profile__company"."code" "courier_profile__company.code",'
    '"courier_profile__company"."created_at" "courier_profile__company.created_at","courier_profile__company"."id" '
    '"courier_profile__company.id" FROM "courier_profile" LEFT OUTER JOIN "company" "courier_profile__company" ON '
    '"courier_profile__company"."id"="courier_profile"."company_id" WHERE "courier_profile"."user_id" IN ({ids})'
)
CLOCK_STATUSES = ("DISPATCHED", "ACCEPTED")


def _placeholders(count: int, start: int = 1) -> str:
    return ",".join(f"${number}" for number in range(start, start + count))


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _cursor(row: asyncpg.Record) -> str:
    raw = f"{row['created_at'].astimezone(timezone.utc).isoformat()}|{row['id']}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _overdue(row: asyncpg.Record, now: datetime) -> bool:
    return row["status"] in CLOCK_STATUSES and row["due_at"] is not None and row["due_at"] < now


def _page_info(rows: list, size: int) -> dict:
    page = rows[:size]
    return {"hasNextPage": len(rows) > size, "endCursor": _cursor(page[-1]) if page else None}


async def _caller(connection: asyncpg.Connection, request: Request, role: str) -> asyncpg.Record | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    try:
        claims = decode_access_token(token.strip())
    except AppError:
        return None
    user = await connection.fetchrow(USER_SQL, claims.user_id, 1)
    if user is None or user["token_version"] != claims.token_version or user["role"] != role:
        return None
    return user


async def _by_id(connection: asyncpg.Connection, sql: str, ids: set) -> dict:
    if not ids:
        return {}
    ordered = list(ids)
    return {row["id"]: row for row in await connection.fetch(sql.format(ids=_placeholders(len(ordered))), *ordered)}


async def my_reports(request: Request) -> Response:
    first = int((await request.json()).get("first", 20))
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as connection:
        courier = await _caller(connection, request, "COURIER")
        if courier is None:
            return JSONResponse({"data": None, "errors": [{"message": "unauthenticated"}]}, status_code=401)
        rows = await connection.fetch(MY_REPORTS_SQL, courier["jurisdiction_id"], courier["id"], first + 1)
        page = rows[:first]
        categories = await _by_id(connection, CATEGORY_SQL, {row["category_id"] for row in page})
        communities = await _by_id(connection, COMMUNITY_SQL, {row["community_id"] for row in page
                                                               if row["community_id"] is not None})
        owners: dict = defaultdict(list)
        if page:
            report_ids = [row["id"] for row in page]
            sql = OWNERS_SQL.format(ids=_placeholders(len(report_ids)), role=len(report_ids) + 1,
                                    active=len(report_ids) + 2)
            for dispatch in await connection.fetch(sql, *report_ids, "OWNER", True):
                owners[dispatch["report_id"]].append(dispatch["report_dispatch__department.name_zh"])

    now = datetime.now(timezone.utc)
    edges = []
    for row in page:
        category = categories[row["category_id"]]
        community = communities.get(row["community_id"])
        edges.append({"cursor": _cursor(row), "node": {
            "id": str(row["id"]), "status": row["status"], "createdAt": _time(row["created_at"]),
            "overdue": _overdue(row, now), "description": row["description"],
            "category": {"code": category["code"], "name": category["name_zh"], "points": category["points"]},
            "community": {"name": community["name_zh"]} if community else None,
            "departments": [{"name": name} for name in owners[row["id"]]],
            "location": {"latitude": row["latitude"], "longitude": row["longitude"], "address": row["address"]},
        }})
    return _json({"data": {"myReports": {"edges": edges, "pageInfo": _page_info(rows, first)}}})


async def department_queue(request: Request) -> Response:
    body = await request.json()
    first = int(body.get("first", 50))
    statuses = list(body.get("statuses") or [])
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as connection:
        staff = await _caller(connection, request, "DEPARTMENT_STAFF")
        if staff is None or staff["department_id"] is None:
            return JSONResponse({"data": None, "errors": [{"message": "unauthenticated"}]}, status_code=401)
        department_id = staff["department_id"]
        sql = QUEUE_SQL.format(statuses=_placeholders(len(statuses), 11), limit=11 + len(statuses))
        rows = await connection.fetch(sql, staff["jurisdiction_id"], department_id, "OWNER", True, department_id,
                                      department_id, "COMMUNITY", True, staff["jurisdiction_id"], False, *statuses,
                                      first + 1)
        page = rows[:first]
        categories = await _by_id(connection, CATEGORY_SQL, {row["category_id"] for row in page})
        communities = await _by_id(connection, COMMUNITY_SQL, {row["community_id"] for row in page
                                                               if row["community_id"] is not None})
        reporter_ids = {row["reporter_id"] for row in page if row["reporter_id"] is not None}
        people = await _by_id(connection, PEOPLE_SQL, reporter_ids)
        profiles = {}
        if reporter_ids:
            ordered = list(reporter_ids)
            profiles = {row["user_id"]: row for row in await connection.fetch(
                PROFILES_SQL.format(ids=_placeholders(len(ordered))), *ordered)}

    now = datetime.now(timezone.utc)
    edges = []
    for row in page:
        category = categories[row["category_id"]]
        community = communities.get(row["community_id"])
        person = people.get(row["reporter_id"])
        profile = profiles.get(row["reporter_id"])
        reporter = {"maskedName": pii.mask_name(person["real_name"]),
                    "company": {"name": profile["courier_profile__company.name_zh"]} if profile else None} \
            if person else None
        edges.append({"cursor": _cursor(row), "node": {
            "id": str(row["id"]), "status": row["status"], "createdAt": _time(row["created_at"]),
            "dueAt": _time(row["due_at"]), "overdue": _overdue(row, now), "description": row["description"],
            "category": {"code": category["code"], "name": category["name_zh"]},
            "community": {"name": community["name_zh"]} if community else None,
            "reporter": reporter,
            "location": {"latitude": row["latitude"], "longitude": row["longitude"]},
        }})
    return _json({"data": {"reports": {"edges": edges, "pageInfo": _page_info(rows, first)}}})


def _json(content: dict) -> Response:
    return Response(json.dumps(content), media_type="application/json")


async def healthz(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create_ceiling_app() -> Starlette:
    settings = get_settings()

    async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
        # The same pool size as Tortoise's asyncpg default (1 to 5 connections).
        app.state.pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=5)
        try:
            yield
        finally:
            await app.state.pool.close()

    routes = [Route("/healthz", healthz), Route("/my-reports", my_reports, methods=["POST"]),
              Route("/department-queue", department_queue, methods=["POST"])]
    return Starlette(routes=routes, lifespan=lifespan)
