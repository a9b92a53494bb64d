"""Builders of report submissions and the GraphQL documents the report tests share."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from api.geo.coordinates import from_wgs84
from api.models.reports import CoordinateSystem
from tests.graphql_client import GraphQLClient, GraphQLResult

_keys = itertools.count(1)

# WGS-84 points in the demo catalogue's illustrative community rectangles (api/data/dafeng.json).
SANHE = (30.776, 104.096)
DAFENG = (30.776, 104.108)
TIANFENG = (30.776, 104.120)
# On the shared edge of Sanhe (west) and Dafeng (east).
SANHE_DAFENG_EDGE = (30.776, 104.102)
# About 10 m west of Sanhe's west edge, and about 100 m west of it.
NEAR_SANHE = (30.776, 104.0899)
OUTSIDE = (30.776, 104.0890)

REPORT_FIELDS = """
  id status otherText description outsideCommunities dueAt overdue createdAt acceptedAt resolvedAt
  duplicateOfId triageReason
  location { latitude longitude accuracyM address submittedLatitude submittedLongitude submittedCoordinateSystem }
  category { code name points priority }
  community { code name }
  departments { code name }
  reporter { maskedName company { code name } }
  timeline { kind comment fromStatus toStatus internal department { code name } actor { maskedName role } }
  possibleDuplicates { id originalId distanceM status }
"""

SUBMIT = f"""
mutation Submit($input: ReportSubmitInput!) {{
  reportSubmit(input: $input) {{
    report {{ {REPORT_FIELDS} }}
    replyMessage emergencyCall emergencyMessage replayed
    errors {{ field code message }}
  }}
}}
"""

REPORT = f"query Report($id: ID!) {{ report(id: $id) {{ {REPORT_FIELDS} }} }}"

MY_REPORTS = f"""
query Mine($first: Int, $after: String, $statuses: [ReportStatus!]) {{
  myReports(first: $first, after: $after, statuses: $statuses) {{
    edges {{ cursor node {{ {REPORT_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""

REPORTS = f"""
query Reports($filter: ReportFilterInput, $first: Int, $after: String) {{
  reports(filter: $filter, first: $first, after: $after) {{
    edges {{ cursor node {{ {REPORT_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""

PAYLOAD = f"report {{ {REPORT_FIELDS} }} errors {{ field code message }}"


def action(name: str, arguments: str, variables: str) -> str:
    """A report mutation document, e.g. action("reportAccept", "id: $id", "$id: ID!")."""
    return f"mutation Act({variables}) {{ {name}({arguments}) {{ {PAYLOAD} }} }}"


ACCEPT = action("reportAccept", "id: $id, comment: $comment", "$id: ID!, $comment: String! = \"\"")
REPLY = action("reportReply", "id: $id, text: $text", "$id: ID!, $text: String!")
NOTE = action("reportNoteAdd", "id: $id, text: $text", "$id: ID!, $text: String!")
RESOLVE = action("reportResolve", "id: $id, comment: $comment", "$id: ID!, $comment: String!")
REJECT = action("reportReject", "id: $id, reason: $reason", "$id: ID!, $reason: String!")
HAND_BACK = action("reportHandBack", "id: $id, reason: $reason", "$id: ID!, $reason: String!")
REOPEN = action("reportReopen", "id: $id, comment: $comment", "$id: ID!, $comment: String!")
CLASSIFY = action(
    "reportClassify", "id: $id, categoryCode: $code, comment: $comment",
    "$id: ID!, $code: String!, $comment: String! = \"\"",
)
CATEGORY_CHANGE = action(
    "reportCategoryChange", "id: $id, categoryCode: $code, comment: $comment",
    "$id: ID!, $code: String!, $comment: String!",
)
DUPLICATE_CONFIRM = action("reportDuplicateConfirm", "linkId: $id, comment: $comment",
                           "$id: ID!, $comment: String! = \"\"")
DUPLICATE_DISMISS = action("reportDuplicateDismiss", "linkId: $id, comment: $comment",
                           "$id: ID!, $comment: String! = \"\"")


def submit_input(
    category: str = "traffic-light",
    point: tuple[float, float] = SANHE,
    system: CoordinateSystem = CoordinateSystem.WGS84,
    **overrides: Any,
) -> dict[str, Any]:
    """A valid submission at a WGS-84 point, converted to ``system`` as a phone would send it."""
    latitude, longitude = from_wgs84(point[0], point[1], system)
    values: dict[str, Any] = {
        "categoryCode": category,
        "location": {
            "latitude": latitude,
            "longitude": longitude,
            "coordinateSystem": system.value,
            "accuracyM": 8.0,
            "address": "大丰街道测试路1号",
        },
        "idempotencyKey": f"key-{next(_keys)}-{uuid.uuid4().hex[:8]}",
        "description": "路口信号灯不亮",
    }
    values.update(overrides)
    return values


async def submit(client: GraphQLClient, token: str, *, language: str | None = None, **kwargs: Any) -> GraphQLResult:
    return await client.execute(SUBMIT, {"input": submit_input(**kwargs)}, token=token, language=language)


async def submitted(client: GraphQLClient, token: str, **kwargs: Any) -> dict[str, Any]:
    """Submit and return the report, failing on any error."""
    payload = (await submit(client, token, **kwargs)).data["reportSubmit"]
    assert payload["errors"] == [], payload["errors"]
    return payload["report"]


async def act(client: GraphQLClient, document: str, token: str, **variables: Any) -> GraphQLResult:
    return await client.execute(document, variables, token=token)
