"""Webhooks against a receiver on 127.0.0.1: URL checks, signatures, retries, dead letters and replay."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.config import Environment, get_settings
from api.models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from api.webhooks import delivery, signing
from api.webhooks.urls import check_url
from api.webhooks.worker import WebhookWorker
from tests import factories
from tests.report_factories import REPLY, act, submitted
from tests.test_subscriptions import free_port

CREATE = """
mutation Create($input: WebhookEndpointCreateInput!) {
  webhookEndpointCreate(input: $input) {
    endpoint { id url departmentId eventKinds active }
    signingSecret
    errors { field code message }
  }
}
"""
DELIVERIES = """
query D($id: ID!, $status: WebhookDeliveryStatus) {
  webhookDeliveries(endpointId: $id, status: $status) { id cursor eventKind status attempts lastStatusCode lastError replays }
}
"""
REPLAY = "mutation R($id: ID!) { webhookDeliveryReplay(id: $id) { delivery { status attempts replays } errors { code } } }"


@dataclass
class Receiver:
    url: str
    requests: list[dict] = field(default_factory=list)
    # Status codes to return, in order. The last one repeats.
    statuses: list[int] = field(default_factory=lambda: [200])


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """An HTTP server on a free port of 127.0.0.1 that records every POST."""
    port = free_port()
    state = Receiver(url=f"http://127.0.0.1:{port}/hook")

    async def hook(request: Request) -> JSONResponse:
        state.requests.append({"headers": dict(request.headers), "body": (await request.body()).decode()})
        status = state.statuses.pop(0) if len(state.statuses) > 1 else state.statuses[0]
        return JSONResponse({"ok": status < 300}, status_code=status)

    server = uvicorn.Server(uvicorn.Config(Starlette(routes=[Route("/hook", hook, methods=["POST"])]),
                                           host="127.0.0.1", port=port, log_config=None, lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield state
    finally:
        server.should_exit = True
        await task


@pytest.fixture
def webhook_settings(monkeypatch: pytest.MonkeyPatch):
    settings = get_settings()
    monkeypatch.setattr(settings, "webhook_allowed_hosts", ["127.0.0.1"])
    monkeypatch.setattr(settings, "webhook_backoff_base_seconds", 0.05)
    monkeypatch.setattr(settings, "webhook_max_attempts", 3)
    return settings


@pytest.fixture
async def worker() -> AsyncIterator[WebhookWorker]:
    """The webhook worker, driven pass by pass by the test instead of its background task."""
    instance = WebhookWorker(poll_seconds=60)
    yield instance
    await instance.stop()


async def register(client, token: str, url: str, kinds: list[str], department_id: str | None = None) -> dict:
    result = await client.execute(
        CREATE, {"input": {"url": url, "eventKinds": kinds, "departmentId": department_id}}, token=token
    )
    return result.data["webhookEndpointCreate"]


async def department_id(code: str) -> str:
    from api.models.catalogue import Department

    return str((await Department.get(code=code)).id)


async def run_until_settled(worker: WebhookWorker, passes: int = 40) -> None:
    """Run worker passes until no delivery is pending."""
    for _ in range(passes):
        await worker.run_once()
        if not await WebhookDelivery.filter(status=DeliveryStatus.PENDING).exists():
            return
        await asyncio.sleep(0.06)
    pytest.fail("deliveries still pending")


# Registration


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://10.0.0.5/hook", "WEBHOOK_URL_NOT_PUBLIC"),
        ("https://169.254.169.254/latest/meta-data", "WEBHOOK_URL_NOT_PUBLIC"),
        ("https://100.100.100.200/", "WEBHOOK_URL_NOT_PUBLIC"),
        ("https://127.0.0.2/hook", "WEBHOOK_URL_NOT_PUBLIC"),
        ("https://2130706433/hook", "WEBHOOK_URL_NOT_PUBLIC"),
        ("https://[::1]/hook", "WEBHOOK_URL_NOT_PUBLIC"),
        ("https://[fd00::1]/hook", "WEBHOOK_URL_NOT_PUBLIC"),
        ("https://[::ffff:192.168.1.1]/hook", "WEBHOOK_URL_NOT_PUBLIC"),
        ("https://localhost/hook", "WEBHOOK_URL_NOT_PUBLIC"),
        ("https://gateway.internal/hook", "WEBHOOK_URL_NOT_PUBLIC"),
        ("http://hooks.example.org/hook", "WEBHOOK_URL_HTTPS_REQUIRED"),
        ("ftp://hooks.example.org/hook", "WEBHOOK_URL_INVALID"),
        ("https://user:secret@hooks.example.org/hook", "WEBHOOK_URL_INVALID"),
        ("https://hooks.example.org:99999/hook", "WEBHOOK_URL_INVALID"),
        ("hooks.example.org", "WEBHOOK_URL_INVALID"),
    ],
)
async def test_endpoint_url_rejected(client, catalogue, webhook_settings, url, code):
    admin = await factories.admin(client)

    payload = await register(client, admin.access_token, url, ["DISPATCHED"])

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("url", code)]
    assert payload["endpoint"] is None
    assert await WebhookEndpoint.all().count() == 0


def test_public_https_url_accepted():
    assert check_url("https://hooks.example.org/fxx?x=1") == "https://hooks.example.org/fxx?x=1"
    assert check_url("https://8.8.8.8/hook") == "https://8.8.8.8/hook"


def test_allowed_host_needs_https_in_production():
    settings = get_settings().model_copy(
        update={"environment": Environment.PRODUCTION, "webhook_allowed_hosts": ["10.1.2.3"]}
    )

    assert check_url("https://10.1.2.3/hook", settings) == "https://10.1.2.3/hook"
    with pytest.raises(Exception) as raised:
        check_url("http://10.1.2.3/hook", settings)
    assert raised.value.problems[0].code == "WEBHOOK_URL_HTTPS_REQUIRED"


async def test_endpoint_registration_checks_input_and_role(client, catalogue, webhook_settings, receiver):
    admin = await factories.admin(client)
    staff = await factories.staff(client, "traffic-police")

    bad_kinds = await register(client, admin.access_token, receiver.url, [])
    unknown_department = await register(client, admin.access_token, receiver.url, ["DISPATCHED"], "999999")
    forbidden = await client.execute(
        CREATE, {"input": {"url": receiver.url, "eventKinds": ["DISPATCHED"]}}, token=staff.access_token
    )

    assert [e["code"] for e in bad_kinds["errors"]] == ["WEBHOOK_EVENT_KINDS_INVALID"]
    assert [e["code"] for e in unknown_department["errors"]] == ["DEPARTMENT_UNKNOWN"]
    assert forbidden.error_code == "FORBIDDEN"
    assert await WebhookEndpoint.all().count() == 0


# Delivery


async def test_delivery_is_signed_and_scoped_to_department(client, catalogue, webhook_settings, receiver, worker):
    # given
    admin = await factories.admin(client)
    courier = await factories.active_courier(client)
    traffic = await register(client, admin.access_token, receiver.url, ["DISPATCHED"], await department_id("traffic-police"))
    await register(client, admin.access_token, receiver.url + "?urban", ["DISPATCHED"], await department_id("urban-management"))

    # when
    report = await submitted(client, courier.access_token, category="traffic-light")
    await run_until_settled(worker)

    # then
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    headers, body = request["headers"], request["body"]
    timestamp = int(headers["webhook-timestamp"])
    assert signing.verify(traffic["signingSecret"], headers["webhook-id"], timestamp, body, headers["webhook-signature"])
    assert not signing.verify(signing.new_secret(), headers["webhook-id"], timestamp, body, headers["webhook-signature"])
    assert not signing.verify(traffic["signingSecret"], headers["webhook-id"], timestamp + 1, body, headers["webhook-signature"])
    document = json.loads(body)
    assert document["type"] == "report.dispatched"
    assert document["data"]["report"]["id"] == report["id"]
    assert document["data"]["department"]["code"] == "traffic-police"
    assert "reporter" not in body
    assert "audience" not in body
    rows = await WebhookDelivery.all()
    assert [(r.status, r.attempts, r.last_status_code) for r in rows] == [(DeliveryStatus.SUCCEEDED, 1, 200)]


async def test_delivery_retried_after_server_errors(client, catalogue, webhook_settings, receiver, worker):
    admin = await factories.admin(client)
    courier = await factories.active_courier(client)
    endpoint = await register(client, admin.access_token, receiver.url, ["SUBMITTED"])
    receiver.statuses = [500, 503, 200]

    await submitted(client, courier.access_token)
    await run_until_settled(worker)

    assert len(receiver.requests) == 3
    assert len({r["body"] for r in receiver.requests}) == 1
    assert len({r["headers"]["webhook-id"] for r in receiver.requests}) == 1
    rows = (await client.execute(DELIVERIES, {"id": endpoint["endpoint"]["id"]}, token=admin.access_token)).data
    assert [(d["eventKind"], d["status"], d["attempts"], d["lastStatusCode"]) for d in rows["webhookDeliveries"]] == [
        ("SUBMITTED", "SUCCEEDED", 3, 200)
    ]


async def test_delivery_dead_lettered_then_replayed(client, catalogue, webhook_settings, receiver, worker):
    # given: an endpoint that fails every attempt
    admin = await factories.admin(client)
    courier = await factories.active_courier(client)
    traffic = await factories.staff(client, "traffic-police")
    endpoint = await register(client, admin.access_token, receiver.url, ["REPLIED"], await department_id("traffic-police"))
    receiver.statuses = [500]
    report = await submitted(client, courier.access_token)
    await act(client, REPLY, traffic.access_token, id=report["id"], text="已处理")

    # when
    await run_until_settled(worker)
    dead = (await client.execute(DELIVERIES, {"id": endpoint["endpoint"]["id"], "status": "DEAD"},
                                 token=admin.access_token)).data["webhookDeliveries"]
    receiver.statuses = [200]
    replay = await client.execute(REPLAY, {"id": dead[0]["id"]}, token=admin.access_token)
    again = await client.execute(REPLAY, {"id": dead[0]["id"]}, token=admin.access_token)
    await run_until_settled(worker)

    # then
    assert [(d["status"], d["attempts"], d["lastStatusCode"], d["lastError"]) for d in dead] == [
        ("DEAD", 3, 500, "HTTP 500")
    ]
    assert replay.data["webhookDeliveryReplay"]["delivery"] == {"status": "PENDING", "attempts": 0, "replays": 1}
    assert [e["code"] for e in again.data["webhookDeliveryReplay"]["errors"]] == ["WEBHOOK_DELIVERY_NOT_REPLAYABLE"]
    assert len(receiver.requests) == 4
    row = await WebhookDelivery.get(id=int(dead[0]["id"]))
    assert (row.status, row.attempts, row.replays, row.last_status_code) == (DeliveryStatus.SUCCEEDED, 1, 1, 200)


async def test_unreachable_endpoint_counts_as_failure(client, catalogue, webhook_settings, worker):
    admin = await factories.admin(client)
    courier = await factories.active_courier(client)
    closed_port = free_port()
    await register(client, admin.access_token, f"http://127.0.0.1:{closed_port}/hook", ["SUBMITTED"])

    await submitted(client, courier.access_token)
    await run_until_settled(worker)

    row = await WebhookDelivery.get()
    assert (row.status, row.attempts, row.last_status_code) == (DeliveryStatus.DEAD, 3, None)
    assert row.last_error.startswith("ConnectError")


async def test_events_before_registration_not_delivered(client, catalogue, webhook_settings, receiver, worker):
    admin = await factories.admin(client)
    courier = await factories.active_courier(client)
    await submitted(client, courier.access_token)

    await register(client, admin.access_token, receiver.url, ["SUBMITTED"])
    await run_until_settled(worker)

    assert receiver.requests == []


def test_backoff_doubles_up_to_ceiling(monkeypatch):
    settings = get_settings()
    monkeypatch.setattr(settings, "webhook_backoff_base_seconds", 10.0)
    monkeypatch.setattr(settings, "webhook_backoff_max_seconds", 60.0)

    delays = [delivery.backoff_seconds(n, settings) for n in (1, 2, 3, 4, 5)]

    for delay, expected in zip(delays, [10, 20, 40, 60, 60]):
        assert expected <= delay <= expected * 1.1
