"""Walk through every user's tasks in docs/guide.md against a running server, as a smoke test.

Usage:
    FXX_ADMIN_PASSWORD=... python docs/examples/walkthrough.py http://127.0.0.1:8000 [--admin admin]
        [--webhooks] [--overdue] [--record FILE]

The server must have a back-office admin in jurisdiction ``dafeng`` (``python -m api
create-admin``) and the demo catalogue. Each run registers new couriers and staff
with random phone numbers and usernames, so it can run again against the same
database. ``--webhooks`` starts a receiver on 127.0.0.1, which the server accepts
only when started with ``FXX_WEBHOOK_ALLOWED_HOSTS='["127.0.0.1"]'``. ``--overdue``
waits about 70 seconds for a report to become overdue. ``--record`` writes every
request and response as JSON lines. The script exits with status 1 at the first
check that fails, and 0 when every step passed.

It needs only packages that the server itself installs: httpx, websockets,
cryptography and Pillow.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import http.server
import io
import json
import os
import random
import secrets
import struct
import sys
import threading
import time
import uuid

import httpx
import websockets
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from PIL import Image


class StepFailed(Exception):
    pass


def check(condition: bool, what: str, response: object = None) -> None:
    if not condition:
        detail = json.dumps(response, ensure_ascii=False, indent=1)[:2000] if response is not None else ""
        raise StepFailed(f"{what}\n{detail}")


class Api:
    """A small GraphQL client that records each exchange."""

    def __init__(self, url: str, record: str | None) -> None:
        self.url = url.rstrip("/")
        self.http = httpx.Client(timeout=30)
        self.record = open(record, "w", encoding="utf-8") if record else None

    def log(self, entry: dict) -> None:
        if self.record:
            self.record.write(json.dumps(entry, ensure_ascii=False) + "\n")
            self.record.flush()

    def gql(self, query: str, variables: dict | None = None, token: str | None = None,
            language: str | None = None, step: str = "") -> dict:
        headers = {}
        if token:
            headers["authorization"] = f"Bearer {token}"
        if language:
            headers["accept-language"] = language
        response = self.http.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}},
                                  headers=headers)
        body = response.json()
        self.log({"step": step, "query": query, "variables": variables, "language": language,
                  "status": response.status_code, "response": body})
        return body

    def ok(self, query: str, variables: dict | None = None, token: str | None = None,
           language: str | None = None, step: str = "") -> dict:
        """Run an operation that must succeed: no top-level errors and no payload errors."""
        body = self.gql(query, variables, token, language, step)
        check("errors" not in body, f"{step}: unexpected errors", body)
        for value in body["data"].values():
            if isinstance(value, dict) and value.get("errors"):
                raise StepFailed(f"{step}: payload errors\n{json.dumps(value['errors'], ensure_ascii=False)}")
        return body["data"]

    def top_error(self, query: str, variables: dict | None = None, token: str | None = None,
                  language: str | None = None, step: str = "") -> dict:
        body = self.gql(query, variables, token, language, step)
        check(bool(body.get("errors")), f"{step}: expected a top-level error", body)
        return body["errors"][0]


# --- test data ---------------------------------------------------------------------------------

def resident_id_number() -> str:
    """Build a checksum-valid GB 11643 ID number on the standard's own example prefix (110105 19491231)."""
    body = "11010519491231" + f"{random.randint(0, 999):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


def phone_number() -> str:
    return "13" + str(random.randint(0, 9)) + f"{random.randint(0, 99_999_999):08d}"


def jpeg_bytes() -> bytes:
    image = Image.new("RGB", (640, 480), (200, 30, 30))
    for x in range(0, 640, 20):
        for y in range(480):
            image.putpixel((x, y), (0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


# --- operations --------------------------------------------------------------------------------

REGISTER = """mutation Register($input: CourierRegisterInput!) {
  courierRegister(input: $input) {
    account { id status realName phoneMasked company { name } }
    errors { field code message }
  }
}"""

LOGIN = """mutation Login($account: String!, $password: String!) {
  tokenCreate(account: $account, password: $password) {
    tokens { accessToken accessTokenExpiresAt refreshToken refreshTokenExpiresAt }
    me { id role status }
    errors { field code message }
  }
}"""

REFRESH = """mutation Refresh($refreshToken: String!) {
  tokenRefresh(refreshToken: $refreshToken) {
    tokens { accessToken refreshToken }
    errors { field code message }
  }
}"""

SUBMIT = """mutation Submit($input: ReportSubmitInput!) {
  reportSubmit(input: $input) {
    replayed replyMessage emergencyCall emergencyMessage
    report {
      id status category { code name points } community { code name } departments { name } dueAt
      location { latitude longitude submittedLatitude submittedLongitude submittedCoordinateSystem }
      media { id status }
    }
    errors { field code message }
  }
}"""

STAFF_CREATE = """mutation StaffCreate($input: StaffCreateInput!) {
  staffCreate(input: $input) { account { id role status username } errors { field code message } }
}"""

EMERGENCY_SUBSCRIPTION = """subscription Emergencies($after: String) {
  emergencyReports(after: $after) {
    cursor kind occurredAt
    report {
      id status submittedAt description
      category { code name emergencyCall }
      location { latitude longitude address }
      community { name }
    }
  }
}"""


def login(api: Api, account: str, password: str, step: str) -> dict:
    data = api.ok(LOGIN, {"account": account, "password": password}, step=step)
    return data["tokenCreate"]


def submit(api: Api, token: str, category: str, latitude: float, longitude: float, description: str,
           step: str, **extra) -> dict:
    report_input = {
        "categoryCode": category,
        "idempotencyKey": f"walk-{uuid.uuid4().hex}",
        "description": description,
        "location": {"latitude": latitude, "longitude": longitude, "coordinateSystem": "GCJ02"},
        **extra,
    }
    return api.ok(SUBMIT, {"input": report_input}, token=token, step=step)["reportSubmit"]


def upload_like_wx(upload: dict, content: bytes, filename: str) -> httpx.Response:
    """POST the file the way wx.uploadFile does: url, name=fileField, formData=fields."""
    form_data = {field["name"]: field["value"] for field in upload["fields"]}
    files = {upload["fileField"]: (filename, content, form_data.get("Content-Type", "application/octet-stream"))}
    return httpx.post(upload["url"], data=form_data, files=files, timeout=30)


async def receive_emergencies(ws_url: str, token: str, after: str | None, count: int,
                              ready: asyncio.Event | None = None) -> list[dict]:
    """Subscribe over graphql-transport-ws with the token in connection_init and collect events."""
    events = []
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {"accessToken": token}}))
        ack = json.loads(await asyncio.wait_for(socket.recv(), 10))
        check(ack["type"] == "connection_ack", "subscription: connection_ack", ack)
        await socket.send(json.dumps({"id": "1", "type": "subscribe",
                                      "payload": {"query": EMERGENCY_SUBSCRIPTION, "variables": {"after": after}}}))
        if ready is not None:
            ready.set()
        while len(events) < count:
            message = json.loads(await asyncio.wait_for(socket.recv(), 20))
            check(message["type"] == "next" and "errors" not in message["payload"], "subscription: next", message)
            events.append(message["payload"]["data"]["emergencyReports"])
        await socket.send(json.dumps({"id": "1", "type": "complete"}))
    return events


async def subscription_close_code(ws_url: str, payload: dict) -> int | None:
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        try:
            await asyncio.wait_for(socket.recv(), 10)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
    return None


def verify_pass_offline(code: str, key_set: dict, now: float) -> dict:
    """Check a pass code with the published key set only: prefix, key id, Ed25519 signature, expiry."""
    prefix = key_set["codePrefix"]
    check(code.startswith(prefix), "pass: prefix")
    body = code[len(prefix):]
    raw = base64.b32decode(body + "=" * (-len(body) % 8))
    payload, signature = raw[:49], raw[49:]
    version, key_id, pass_id, courier, _jurisdiction, _version, _generation, issued, expires = struct.unpack(
        ">B4s8s16sIIIII", payload)
    check(version == key_set["formatVersion"], "pass: format version")
    keys = {key["kid"]: key for key in key_set["keys"]}
    jwk = keys.get(key_id.hex())
    check(jwk is not None, "pass: key id is published")
    public_key = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(jwk["x"] + "=="))
    try:
        public_key.verify(signature, payload)
    except InvalidSignature as error:
        raise StepFailed("pass: signature") from error
    return {"passId": pass_id.hex(), "courierId": str(uuid.UUID(bytes=courier)),
            "issuedAt": issued, "expiresAt": expires, "valid": issued <= now < expires}


class WebhookReceiver:
    """A local HTTP server that stores the POSTs it receives."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server method name
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.received.append({"headers": {k.lower(): v for k, v in self.headers.items()},
                                          "body": body.decode()})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/fxx"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def webhook_signature_valid(secret: str, headers: dict, body: str, tolerance_seconds: int = 300) -> bool:
    """Check a Standard Webhooks v1 signature: base64 HMAC-SHA256 of "{id}.{timestamp}.{body}" with the decoded secret."""
    timestamp = int(headers["webhook-timestamp"])
    if abs(time.time() - timestamp) > tolerance_seconds:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{timestamp}.{body}".encode()
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(expected, candidate) for candidate in headers["webhook-signature"].split())


# --- the walkthrough, one function per user ----------------------------------------------------

def courier_onboarding(api: Api, state: dict) -> None:
    phone, password = phone_number(), "Courier2026ok"
    register_input = {"realName": "张三", "phone": phone, "idNumber": resident_id_number(),
                      "companyCode": "meituan", "jurisdictionCode": "dafeng", "password": password}
    account = api.ok(REGISTER, {"input": register_input}, step="courier.register")["courierRegister"]["account"]
    check(account["status"] == "PENDING", "register: new courier is PENDING", account)

    bad = api.gql(REGISTER, {"input": {**register_input, "realName": "x", "phone": "123", "password": "abc"}},
                  language="en", step="courier.register.invalid")
    codes = {error["code"] for error in bad["data"]["courierRegister"]["errors"]}
    check({"NAME_INVALID", "PHONE_INVALID", "PASSWORD_WEAK"} <= codes, "register: field errors", bad)

    pending = login(api, phone, password, "courier.login.pending")
    check(pending["me"]["status"] == "PENDING", "login: pending courier may log in", pending)
    error = api.top_error("{ myPass { code } }", token=pending["tokens"]["accessToken"], language="en",
                          step="courier.pass.pending")
    check(error["extensions"]["reason"] == "PASS_COURIER_NOT_ACTIVE", "pass: pending courier refused", error)

    admin = state["admin_token"]
    queue = api.ok("{ accounts(role: COURIER, status: PENDING) { id maskedName phoneMasked company { name } } }",
                   token=admin, step="admin.accounts.pending")["accounts"]
    check(any(row["id"] == account["id"] for row in queue), "admin: pending courier listed", queue)
    api.ok("mutation Approve($userId: ID!) { userApprove(userId: $userId) { account { id status } "
           "errors { field code message } } }", {"userId": account["id"]}, token=admin, step="admin.userApprove")

    tokens = login(api, phone, password, "courier.login")["tokens"]
    refreshed = api.ok(REFRESH, {"refreshToken": tokens["refreshToken"]}, step="courier.tokenRefresh")
    reused = api.gql(REFRESH, {"refreshToken": tokens["refreshToken"]}, language="en",
                     step="courier.tokenRefresh.reused")
    check(reused["data"]["tokenRefresh"]["errors"][0]["code"] == "REFRESH_TOKEN_REUSED", "refresh: reuse", reused)
    # Reusing a refresh token ends that session, so log in again.
    state["courier"] = {"id": account["id"], "phone": phone, "password": password,
                        "token": login(api, phone, password, "courier.login.again")["tokens"]["accessToken"]}
    check(refreshed["tokenRefresh"]["tokens"]["accessToken"], "refresh: new tokens")


def courier_reports(api: Api, state: dict) -> None:
    token = state["courier"]["token"]
    limits = api.ok("{ mediaLimits { kind maxBytes contentTypes } }", token=token, step="courier.mediaLimits")
    check(any(limit["kind"] == "PHOTO" for limit in limits["mediaLimits"]), "media limits", limits)

    photo = jpeg_bytes()
    slot = api.ok("mutation Upload($input: MediaUploadCreateInput!) { mediaUploadCreate(input: $input) { "
                  "media { id status } upload { url fileField expiresAt fields { name value } } "
                  "errors { field code message } } }",
                  {"input": {"kind": "PHOTO", "contentType": "image/jpeg", "sizeBytes": len(photo)}},
                  token=token, step="courier.mediaUploadCreate")["mediaUploadCreate"]
    stored = upload_like_wx(slot["upload"], photo, "photo.jpg")
    api.log({"step": "courier.upload", "status": stored.status_code, "response": stored.text})
    check(stored.status_code == 204, f"upload: expected 204, got {stored.status_code} {stored.text}")

    report_input = {
        "categoryCode": "traffic-light",
        "idempotencyKey": f"walk-{uuid.uuid4().hex}",
        "description": "路口信号灯全灭",
        "mediaIds": [slot["media"]["id"]],
        "location": {"latitude": 30.7737, "longitude": 104.1105, "coordinateSystem": "GCJ02",
                     "accuracyM": 12, "address": "大丰地铁站B口路口"},
    }
    first = api.ok(SUBMIT, {"input": report_input}, token=token, step="courier.reportSubmit")["reportSubmit"]
    check(first["report"]["status"] == "DISPATCHED", "submit: dispatched", first)
    check(first["report"]["community"]["code"] == "dafeng", "submit: GCJ-02 point lands in 大丰社区", first)
    retry = api.ok(SUBMIT, {"input": report_input}, token=token, step="courier.reportSubmit.retry")["reportSubmit"]
    check(retry["replayed"] and retry["report"]["id"] == first["report"]["id"], "submit: retry replays", retry)
    state["traffic_report"] = first["report"]["id"]

    page = api.ok("query Mine($after: String) { myReports(first: 1, after: $after) { "
                  "edges { cursor node { id status category { name } createdAt } } "
                  "pageInfo { hasNextPage endCursor } } }", {"after": None}, token=token, step="courier.myReports")
    check(page["myReports"]["edges"][0]["node"]["id"] == first["report"]["id"], "myReports: newest first", page)


def staff_portal(api: Api, state: dict) -> None:
    admin, suffix = state["admin_token"], state["suffix"]
    departments = {row["code"]: row["id"] for row in
                   api.ok("{ departments { id code name } }", token=admin, step="admin.departments")["departments"]}
    communities = {row["code"]: row["id"] for row in
                   api.ok("{ communities { id code name } }", token=admin, step="admin.communities")["communities"]}
    state["departments"], state["communities"] = departments, communities
    staff = {
        "traffic": ("DEPARTMENT_STAFF", "王交警", departments["traffic-police"], None),
        "urban": ("DEPARTMENT_STAFF", "赵城管", departments["urban-management"], None),
        "hospital": ("DEPARTMENT_STAFF", "刘医生", departments["hospital-emergency"], None),
        "gate": ("GATEKEEPER", "孙门卫", None, [communities["dafeng"]]),
    }
    state["staff"] = {}
    for key, (role, name, department, community_ids) in staff.items():
        username = f"{key}-{suffix}"
        api.ok(STAFF_CREATE, {"input": {"role": role, "realName": name, "username": username,
                                        "password": "Staff2026ok", "departmentId": department,
                                        "communityIds": community_ids}},
               token=admin, step=f"admin.staffCreate.{key}")
        state["staff"][key] = login(api, username, "Staff2026ok", f"{key}.login")["tokens"]["accessToken"]

    traffic = state["staff"]["traffic"]
    queue = api.ok("query Queue($filter: ReportFilterInput, $after: String) { "
                   "reports(filter: $filter, first: 10, after: $after) { edges { cursor node { "
                   "id status category { code } community { name } overdue dueAt "
                   "reporter { maskedName company { name } } location { latitude longitude address } } } "
                   "pageInfo { hasNextPage endCursor } } }",
                   {"filter": {"statuses": ["DISPATCHED"], "categoryCode": "traffic-light", "overdue": False}},
                   token=traffic, step="traffic.reports")["reports"]
    check(any(edge["node"]["id"] == state["traffic_report"] for edge in queue["edges"]), "queue: report", queue)

    report_id, fields = state["traffic_report"], "report { id status } errors { field code message }"
    api.ok(f'mutation Accept($id: ID!) {{ reportAccept(id: $id, comment: "已派人前往") {{ {fields} }} }}',
           {"id": report_id}, token=traffic, step="traffic.reportAccept")
    again = api.gql(f"mutation Accept($id: ID!) {{ reportAccept(id: $id) {{ {fields} }} }}", {"id": report_id},
                    token=traffic, language="en", step="traffic.reportAccept.again")
    check(again["data"]["reportAccept"]["errors"][0]["code"] == "STATUS_TRANSITION_INVALID", "accept twice", again)
    api.ok(f"mutation Reply($id: ID!, $text: String!) {{ reportReply(id: $id, text: $text) {{ {fields} }} }}",
           {"id": report_id, "text": "收到，民警十分钟内到场指挥交通。"}, token=traffic, step="traffic.reportReply")
    api.ok(f"mutation Note($id: ID!, $text: String!) {{ reportNoteAdd(id: $id, text: $text) {{ {fields} }} }}",
           {"id": report_id, "text": "信号机电源模块故障，已报修供电所。"}, token=traffic, step="traffic.reportNoteAdd")
    api.ok(f"mutation Resolve($id: ID!, $comment: String!) {{ reportResolve(id: $id, comment: $comment) "
           f"{{ {fields} }} }}", {"id": report_id, "comment": "电源已恢复，信号灯正常。"},
           token=traffic, step="traffic.reportResolve")

    seen = api.ok("query One($id: ID!) { report(id: $id) { status timeline { kind comment internal "
                  "department { name } actor { maskedName } } } }", {"id": report_id},
                  token=state["courier"]["token"], step="courier.report")["report"]
    kinds = [entry["kind"] for entry in seen["timeline"]]
    check("REPLIED" in kinds and "NOTE" not in kinds, "courier timeline: reply shown, note hidden", seen)

    courier = state["courier"]["token"]
    urban = state["staff"]["urban"]
    garbage = submit(api, courier, "garbage", 30.7790, 104.0960, "小区门口垃圾三天没清运", "courier.reportSubmit.garbage")
    back = api.ok("mutation HandBack($id: ID!, $reason: String!) { reportHandBack(id: $id, reason: $reason) { "
                  "report { id status triageReason departments { name } } errors { field code message } } }",
                  {"id": garbage["report"]["id"], "reason": "该点位属于小区物业管理范围，非城管职责"},
                  token=urban, step="urban.reportHandBack")["reportHandBack"]["report"]
    check(back["status"] == "TRIAGE" and back["triageReason"] == "HANDED_BACK", "hand back", back)
    state["handed_back"] = back["id"]

    sign = submit(api, courier, "shop-sign", 30.7852, 104.1085, "店招一角脱落", "courier.reportSubmit.sign")
    rejected = api.ok("mutation Reject($id: ID!, $reason: String!) { reportReject(id: $id, reason: $reason) { "
                      "report { id status } errors { field code message } } }",
                      {"id": sign["report"]["id"], "reason": "现场核查店招完好，未发现脱落"},
                      token=urban, step="urban.reportReject")["reportReject"]["report"]
    check(rejected["status"] == "REJECTED", "reject", rejected)

    hidden = api.top_error("query One($id: ID!) { report(id: $id) { id } }", {"id": state["traffic_report"]},
                           token=urban, language="en", step="urban.report.notGranted")
    check(hidden["extensions"]["code"] == "NOT_FOUND", "staff: other department's report is NOT_FOUND", hidden)


def overdue(api: Api, state: dict) -> None:
    admin, urban, suffix = state["admin_token"], state["staff"]["urban"], state["suffix"]
    category = api.ok("mutation Create($input: CategoryCreateInput!) { categoryCreate(input: $input) { "
                      "category { id code name points responseMinutes } errors { field code message } } }",
                      {"input": {"code": f"overdue-{suffix}", "nameZh": "超时演示", "nameEn": "Overdue demo",
                                 "group": "safety", "points": 10, "responseMinutes": 1}},
                      token=admin, step="admin.categoryCreate.overdue")["categoryCreate"]["category"]
    api.ok("mutation Grant($d: ID!, $c: ID!) { grantCreate(departmentId: $d, categoryId: $c) { "
           "grant { department { name } category { code } } errors { field code message } } }",
           {"d": state["departments"]["urban-management"], "c": category["id"]}, token=admin,
           step="admin.grantCreate.overdue")
    report = submit(api, state["courier"]["token"], category["code"], 30.7735, 104.1112, "演示", "courier.overdue")
    time.sleep(70)
    late = api.ok("query Late($filter: ReportFilterInput) { reports(filter: $filter) { edges { node { "
                  "id status category { code } dueAt overdue } } } }", {"filter": {"overdue": True}},
                  token=urban, step="urban.reports.overdue")["reports"]["edges"]
    check(any(edge["node"]["id"] == report["report"]["id"] for edge in late), "overdue filter", late)
    api.ok("mutation Off($id: ID!) { categoryUpdate(id: $id, input: {active: false}) { category { active } "
           "errors { field code message } } }", {"id": category["id"]}, token=admin, step="admin.categoryUpdate")


def emergency_team(api: Api, state: dict) -> None:
    ws_url = api.url.replace("http", "ws", 1) + "/graphql"
    hospital, courier = state["staff"]["hospital"], state["courier"]["token"]

    async def live_then_missed() -> tuple[list[dict], list[dict]]:
        ready = asyncio.Event()
        listener = asyncio.create_task(receive_emergencies(ws_url, hospital, None, 1, ready))
        await asyncio.wait_for(ready.wait(), 10)
        await asyncio.sleep(0.5)
        await asyncio.to_thread(submit, api, courier, "medical-emergency", 30.7762, 104.1183,
                                "公交站旁一位老人倒地，意识不清", "courier.reportSubmit.emergency",
                                location={"latitude": 30.7762, "longitude": 104.1183, "coordinateSystem": "GCJ02",
                                          "address": "天丰路公交站"})
        live = await listener
        # Disconnected: another emergency arrives, then the team resumes after the last cursor it saw.
        await asyncio.to_thread(submit, api, courier, "medical-emergency", 30.7770, 104.1190,
                                "外卖骑手中暑晕倒", "courier.reportSubmit.emergency2")
        missed = await receive_emergencies(ws_url, hospital, live[-1]["cursor"], 1)
        return live, missed

    live, missed = asyncio.run(live_then_missed())
    api.log({"step": "hospital.emergencyReports.live", "response": live})
    api.log({"step": "hospital.emergencyReports.resumed", "response": missed})
    check(live[0]["report"]["category"]["emergencyCall"] == "120", "emergency event", live)
    check(missed[0]["report"]["id"] != live[0]["report"]["id"], "resume: the missed emergency", missed)

    unauthenticated = asyncio.run(subscription_close_code(ws_url, {}))
    check(unauthenticated == 4401, f"subscription without a token closes with 4401, got {unauthenticated}")

    report_id = live[0]["report"]["id"]
    ack = api.ok("mutation Ack($input: EmergencyAcknowledgeInput!) { emergencyAcknowledge(input: $input) { "
                 "acknowledgement { reportId etaMinutes comment submittedAt acknowledgedAt responseSeconds } "
                 "errors { field code message } } }",
                 {"input": {"reportId": report_id, "etaMinutes": 6, "comment": "救护车已出发"}},
                 token=hospital, step="hospital.emergencyAcknowledge")["emergencyAcknowledge"]["acknowledgement"]
    check(ack["etaMinutes"] == 6, "acknowledge", ack)
    fields = "report { id status } errors { field code message }"
    api.ok(f"mutation A($id: ID!) {{ reportAccept(id: $id) {{ {fields} }} }}", {"id": report_id}, token=hospital,
           step="hospital.reportAccept")
    api.ok(f'mutation R($id: ID!) {{ reportResolve(id: $id, comment: "患者已送医") {{ {fields} }} }}',
           {"id": report_id}, token=hospital, step="hospital.reportResolve")
    state["emergency_report"] = report_id


def back_office(api: Api, state: dict) -> None:
    admin, courier = state["admin_token"], state["courier"]["token"]
    other = submit(api, courier, "other", 30.7850, 104.1080, "路边广告牌被风吹歪", "courier.reportSubmit.other",
                   otherText="户外广告牌倾斜")
    check(other["report"]["status"] == "TRIAGE", "other: waits in triage", other)
    triage = api.ok("{ triageQueue(first: 20) { edges { node { id status triageReason category { code } "
                    "otherText description } } pageInfo { hasNextPage endCursor } } }",
                    token=admin, step="admin.triageQueue")["triageQueue"]["edges"]
    reasons = {edge["node"]["id"]: edge["node"]["triageReason"] for edge in triage}
    check(reasons.get(other["report"]["id"]) == "OTHER_CATEGORY", "triage: other", triage)
    check(reasons.get(state["handed_back"]) == "HANDED_BACK", "triage: handed back", triage)
    classified = api.ok("mutation Classify($id: ID!, $code: String!, $comment: String!) { "
                        "reportClassify(id: $id, categoryCode: $code, comment: $comment) { "
                        "report { id status category { code } departments { name } } errors { field code message } } }",
                        {"id": other["report"]["id"], "code": "municipal-facility", "comment": "广告牌属市政设施"},
                        token=admin, step="admin.reportClassify")["reportClassify"]["report"]
    check(classified["status"] == "DISPATCHED", "classify routes the report", classified)

    category = api.ok("mutation Create($input: CategoryCreateInput!) { categoryCreate(input: $input) { "
                      "category { id code name points responseMinutes priority active } "
                      "errors { field code message } } }",
                      {"input": {"code": f"e-bike-{state['suffix']}", "nameZh": "电动车违规充电",
                                 "nameEn": "E-bike charged unsafely", "group": "safety", "points": 30,
                                 "responseMinutes": 120, "duplicateRadiusM": 30}},
                      token=admin, step="admin.categoryCreate")["categoryCreate"]["category"]
    api.ok("mutation Grant($d: ID!, $c: ID!) { grantCreate(departmentId: $d, categoryId: $c) { "
           "grant { department { name } category { code } } errors { field code message } } }",
           {"d": state["departments"]["urban-management"], "c": category["id"]}, token=admin,
           step="admin.grantCreate")

    verify = ("mutation Verify($id: ID!) { reportVerify(reportId: $id) { reportId closedAt "
              "award { id kind amount createdAt } errors { field code message } } }")
    award = api.ok(verify, {"id": state["traffic_report"]}, token=admin, step="admin.reportVerify")
    check(award["reportVerify"]["award"]["amount"] == 10, "verify awards the category's points", award)
    twice = api.gql(verify, {"id": state["traffic_report"]}, token=admin, language="en",
                    step="admin.reportVerify.twice")
    check(twice["data"]["reportVerify"]["errors"][0]["code"] == "REPORT_ALREADY_VERIFIED", "no double award", twice)
    api.ok(verify, {"id": state["emergency_report"]}, token=admin, step="admin.reportVerify.emergency")
    revoked = api.ok("mutation Revoke($id: ID!, $reason: String!) { pointsAwardRevoke(reportId: $id, reason: $reason) "
                     "{ entry { kind amount reason } account { balance awarded revoked paidOut } "
                     "errors { field code message } } }",
                     {"id": state["emergency_report"], "reason": "核实为重复上报的同一事件"}, token=admin,
                     step="admin.pointsAwardRevoke")["pointsAwardRevoke"]["account"]
    check(revoked["balance"] == 10, "revoke takes the award back", revoked)
    payout = api.ok("mutation Payout($input: PayoutCreateInput!) { payoutCreate(input: $input) { "
                    "entry { id kind amount reference createdAt } account { balance paidOut } "
                    "errors { field code message } } }",
                    {"input": {"courierId": state["courier"]["id"], "amount": 10,
                               "reference": f"WXPAY-{state['suffix']}-0001", "note": "12月上旬积分兑付"}},
                    token=admin, step="admin.payoutCreate")["payoutCreate"]
    check(payout["account"]["balance"] == 0, "payout", payout)

    statistics = api.ok("{ reportStatistics { total overdue byStatus { status count } "
                        "byDepartment { department { name } count } medianSecondsToAccept medianSecondsToResolve } }",
                        token=admin, step="admin.reportStatistics")
    check(statistics["reportStatistics"]["total"] >= 1, "statistics", statistics)
    details = api.ok("query Details($id: ID!) { courierPersonalDetails(userId: $id) { id realName phone idNumber "
                     "company { name } status } }", {"id": state["courier"]["id"]}, token=admin,
                     step="admin.courierPersonalDetails")
    check(details["courierPersonalDetails"]["phone"] == state["courier"]["phone"], "personal details", details)
    audit = api.ok("query Audit($target: String) { auditEntries(first: 5, action: \"courier.personal_details.read\", "
                   "targetId: $target) { edges { node { action targetType targetId actorName requestId createdAt } } "
                   "pageInfo { hasNextPage endCursor } } }", {"target": state["courier"]["id"]}, token=admin,
                   step="admin.auditEntries")
    check(len(audit["auditEntries"]["edges"]) == 1, "the personal-details read is audited", audit)

    mine = api.ok("{ notificationsUnreadCount notifications(first: 5) { id kind message reportId readAt } "
                  "pointsAccount { balance awarded revoked adjusted paidOut } "
                  "pointsLedger(first: 5) { kind amount reason reference reportId } }",
                  token=courier, step="courier.notifications")
    check(mine["notificationsUnreadCount"] >= 3, "courier notifications", mine)
    api.ok("mutation { notificationsMarkRead { count errors { field code message } } }", token=courier,
           step="courier.notificationsMarkRead")
    board = api.ok("{ leaderboard(board: HALF_YEAR) { title period { year half startsAt endsAt } "
                   "entries { rank maskedName company { name } points } me { rank points } } }",
                   token=courier, step="courier.leaderboard")
    check(board["leaderboard"]["me"]["points"] >= 10, "leaderboard standing", board)


def gatekeeper(api: Api, state: dict) -> None:
    courier, gate, admin = state["courier"]["token"], state["staff"]["gate"], state["admin_token"]
    current = api.ok("{ myPass { code passId issuedAt expiresAt refreshAt qrSvg(scale: 4) } }", token=courier,
                     step="courier.myPass")["myPass"]
    check(current["qrSvg"].lstrip().startswith("<"), "pass: QR SVG")
    verify = ("mutation Verify($code: String!) { passVerify(code: $code) { verification { valid result message "
              "courier { maskedName company { name } } community { name } passExpiresAt verifiedAt } "
              "errors { field code message } } }")
    online = api.ok(verify, {"code": current["code"]}, token=gate, step="gate.passVerify")
    check(online["passVerify"]["verification"]["result"] == "VALID", "pass: valid online", online)

    key_set = api.http.get(f"{api.url}/.well-known/pass-keys.json").json()
    api.log({"step": "gate.passKeys", "response": key_set})
    offline = verify_pass_offline(current["code"], key_set, time.time())
    api.log({"step": "gate.offline", "response": offline})
    check(offline["valid"] and offline["courierId"] == state["courier"]["id"], "pass: valid offline", offline)

    api.ok("mutation Revoke($courierId: ID) { passRevoke(courierId: $courierId, reason: \"手机遗失\") { "
           "revokedAt errors { field code message } } }", {"courierId": state["courier"]["id"]}, token=admin,
           step="admin.passRevoke")
    after = api.ok(verify, {"code": current["code"]}, token=gate, step="gate.passVerify.revoked")
    check(after["passVerify"]["verification"]["result"] == "REVOKED", "pass: revoked online", after)
    malformed = api.ok(verify, {"code": "hello"}, token=gate, language="en", step="gate.passVerify.malformed")
    check(malformed["passVerify"]["verification"]["result"] == "MALFORMED", "pass: malformed", malformed)


def integrator(api: Api, state: dict) -> None:
    admin = state["admin_token"]
    created = api.ok("mutation Client($input: IntegratorClientCreateInput!) { integratorClientCreate(input: $input) "
                     "{ client { id clientId name scopes categoryCodes departmentCode } clientSecret apiKey "
                     "errors { field code message } } }",
                     {"input": {"name": "城管数字化平台", "scopes": ["REPORTS_READ", "REPORTS_SUBMIT"],
                                "categoryCodes": ["garbage", "manhole-cover", "municipal-facility"],
                                "departmentCode": "urban-management"}},
                     token=admin, step="admin.integratorClientCreate")["integratorClientCreate"]
    client_id, secret, api_key = created["client"]["clientId"], created["clientSecret"], created["apiKey"]

    token_response = api.http.post(f"{api.url}/oauth/token", auth=(client_id, secret),
                                   data={"grant_type": "client_credentials", "scope": "reports:read"})
    api.log({"step": "client.oauthToken", "status": token_response.status_code, "response": token_response.json()})
    check(token_response.status_code == 200, "oauth token", token_response.json())
    access_token = token_response.json()["access_token"]

    base = f"{api.url}/open311/v2"
    services = api.http.get(f"{base}/services.json", params={"jurisdiction_id": "dafeng"})
    api.log({"step": "open311.services", "status": services.status_code, "response": services.json()[:2]})
    check(services.status_code == 200 and all(s["service_code"] != "vice-tip" for s in services.json()),
          "services: public categories only", services.json())

    filed = api.http.post(f"{base}/requests.json", headers={"X-Api-Key": api_key},
                          data={"service_code": "manhole-cover", "lat": "30.7761", "long": "104.1079",
                                "description": "井盖缺失，已设临时围挡", "address_string": "大丰街道天府大道北段"})
    api.log({"step": "open311.post", "status": filed.status_code, "response": filed.json()})
    check(filed.status_code == 200, "open311: file a request", filed.json())
    request_id = filed.json()[0]["service_request_id"]

    listed = api.http.get(f"{base}/requests.json", params={"status": "open", "service_code": "manhole-cover"},
                          headers={"authorization": f"Bearer {access_token}"})
    api.log({"step": "open311.list", "status": listed.status_code, "response": listed.json()[:1]})
    check(any(row["service_request_id"] == request_id for row in listed.json()), "open311: list", listed.json())
    one = api.http.get(f"{base}/requests/{request_id}.json", headers={"X-Api-Key": api_key, "accept-language": "en"})
    api.log({"step": "open311.one", "status": one.status_code, "response": one.json()})
    check(one.status_code == 200, "open311: one request", one.json())
    in_url = api.http.get(f"{base}/requests.json", params={"api_key": api_key})
    check(in_url.status_code == 400, "open311: api_key in the URL is refused", in_url.json())


def webhooks(api: Api, state: dict) -> None:
    admin, receiver = state["admin_token"], WebhookReceiver()
    created = api.ok("mutation Hook($input: WebhookEndpointCreateInput!) { webhookEndpointCreate(input: $input) { "
                     "endpoint { id url departmentId eventKinds active } signingSecret errors { field code message } } }",
                     {"input": {"url": receiver.url, "eventKinds": ["DISPATCHED", "RESOLVED"],
                                "departmentId": state["departments"]["urban-management"],
                                "description": "城管数字化平台"}},
                     token=admin, step="admin.webhookEndpointCreate")["webhookEndpointCreate"]
    report = submit(api, state["courier"]["token"], "manhole-cover", 30.7801, 104.1202, "井盖翘起",
                    "courier.reportSubmit.manhole")
    deadline = time.time() + 30
    while time.time() < deadline and not any(report["report"]["id"] in hook["body"] for hook in receiver.received):
        time.sleep(0.5)
    matching = [hook for hook in receiver.received if report["report"]["id"] in hook["body"]]
    check(bool(matching), "webhook: delivery received within 30 seconds")
    api.log({"step": "webhook.received", "response": matching[0]})
    check(webhook_signature_valid(created["signingSecret"], matching[0]["headers"], matching[0]["body"]),
          "webhook: signature verifies", matching[0])
    deliveries = api.ok("query D($id: ID!) { webhookDeliveries(endpointId: $id, first: 5) { id cursor eventKind "
                        "status attempts lastStatusCode deliveredAt } }", {"id": created["endpoint"]["id"]},
                        token=admin, step="admin.webhookDeliveries")
    check(deliveries["webhookDeliveries"][0]["status"] == "SUCCEEDED", "webhook: delivery recorded", deliveries)
    api.ok("mutation Off($id: ID!) { webhookEndpointSetActive(id: $id, active: false) { endpoint { active } "
           "errors { field code message } } }", {"id": created["endpoint"]["id"]}, token=admin,
           step="admin.webhookEndpointSetActive")
    receiver.server.shutdown()


def errors_and_languages(api: Api, state: dict) -> None:
    anonymous = api.top_error("{ me { id } }", step="errors.unauthenticated")
    check(anonymous["extensions"]["code"] == "UNAUTHENTICATED" and anonymous["message"] == "请先登录。",
          "default language is Simplified Chinese", anonymous)
    english = api.top_error("{ me { id } }", language="en", step="errors.unauthenticated.en")
    check(english["message"] == "Please log in first.", "Accept-Language: en", english)
    wrong = api.top_error(LOGIN, {"account": phone_number(), "password": "Wrong2026x"}, language="en",
                          step="errors.loginFailed")
    check(wrong["extensions"]["reason"] == "LOGIN_FAILED", "login failure", wrong)
    forbidden = api.top_error("{ reports { edges { node { id } } } }", token=state["courier"]["token"],
                              language="en", step="errors.forbidden")
    check(forbidden["extensions"]["code"] == "FORBIDDEN", "courier may not list the staff queue", forbidden)
    page = api.top_error("{ reports(first: 1000) { edges { node { id } } } }", token=state["admin_token"],
                         language="en", step="errors.badUserInput")
    check(page["extensions"]["fields"][0]["code"] == "PAGE_SIZE_INVALID", "page size", page)
    response = api.http.post(f"{api.url}/graphql", content=b'{"query": "{ companies { code } }"}',
                             headers={"content-type": "text/plain"})
    api.log({"step": "errors.contentType", "status": response.status_code, "response": response.json()})
    check(response.status_code == 415, "GraphQL needs application/json", response.json())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", help="server URL, for example http://127.0.0.1:8000")
    parser.add_argument("--admin", default="admin", help="username of an admin of jurisdiction dafeng")
    parser.add_argument("--password", default=os.environ.get("FXX_ADMIN_PASSWORD"),
                        help="that admin's password (default: FXX_ADMIN_PASSWORD)")
    parser.add_argument("--webhooks", action="store_true", help="also test webhooks with a receiver on 127.0.0.1")
    parser.add_argument("--overdue", action="store_true", help="also wait about 70 s for a report to be overdue")
    parser.add_argument("--record", help="write every request and response to this JSON-lines file")
    args = parser.parse_args()
    if not args.password:
        parser.error("give the admin password with --password or FXX_ADMIN_PASSWORD")

    api = Api(args.url, args.record)
    steps = [courier_onboarding, courier_reports, staff_portal, emergency_team, back_office, gatekeeper, integrator]
    if args.overdue:
        steps.insert(3, overdue)
    if args.webhooks:
        steps.append(webhooks)
    steps.append(errors_and_languages)
    state: dict = {"suffix": secrets.token_hex(3)}
    current = "setup"
    try:
        health = api.http.get(f"{api.url}/readyz")
        check(health.status_code == 200, f"readyz: {health.status_code} {health.text}")
        state["admin_token"] = login(api, args.admin, args.password, "admin.login")["tokens"]["accessToken"]
        for step in steps:
            current = step.__name__
            step(api, state)
            print(f"ok  {current}")
    except (StepFailed, httpx.HTTPError, websockets.WebSocketException, TimeoutError,
            KeyError, TypeError, IndexError) as error:
        # KeyError, TypeError and IndexError mean a response lacked a field the step needs.
        print(f"FAILED in {current}: {error!r}"[:3000], file=sys.stderr)
        return 1
    print("all steps passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
