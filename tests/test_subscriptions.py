"""Subscriptions over real websockets through uvicorn: authentication, each role's feed, resume, expiry, cap."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from api.auth.tokens import issue_access_token
from api.config import get_settings
from api.models.identity import User
from tests import factories
from tests.report_factories import ACCEPT, NOTE, REPLY, act, submitted

PROTOCOL = "graphql-transport-ws"

EVENT_FIELDS = """
  cursor kind occurredAt fromStatus toStatus comment etaMinutes points department { code name }
  report {
    id status submittedAt description otherText
    category { code name priority emergencyCall }
    location { latitude longitude accuracyM address }
    community { code name }
    media { id kind displayUrl }
  }
"""
REPORT_EVENTS = f"subscription Events($after: String, $kinds: [TimelineKind!]) {{ reportEvents(after: $after, kinds: $kinds) {{ {EVENT_FIELDS} }} }}"
EMERGENCIES = f"subscription Emergencies($after: String) {{ emergencyReports(after: $after) {{ {EVENT_FIELDS} }} }}"
ACKNOWLEDGE = """
mutation Ack($input: EmergencyAcknowledgeInput!) {
  emergencyAcknowledge(input: $input) {
    acknowledgement { reportId etaMinutes comment responseSeconds submittedAt acknowledgedAt }
    errors { field code message }
  }
}
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


@dataclass
class Server:
    url: str


@pytest.fixture
async def server(db: str) -> AsyncIterator[Server]:
    """The application served by uvicorn on a free port of 127.0.0.1, sharing the test's database."""
    from api.app import create_app

    port = free_port()
    config = uvicorn.Config(
        create_app(manage_database=False), host="127.0.0.1", port=port, log_config=None,
        lifespan="on", ws="websockets-sansio", timeout_graceful_shutdown=2,
    )
    instance = uvicorn.Server(config)
    task = asyncio.create_task(instance.serve())
    while not instance.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield Server(url=f"ws://127.0.0.1:{port}/graphql")
    finally:
        instance.should_exit = True
        await task


class Subscriber:
    """A graphql-transport-ws client on a real websocket."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.ack: dict[str, Any] | None = None

    @classmethod
    async def open(cls, url: str, payload: dict[str, Any] | None) -> "Subscriber":
        connection = await connect(url, subprotocols=[PROTOCOL], open_timeout=5)
        subscriber = cls(connection)
        await subscriber.send({"type": "connection_init", "payload": payload or {}})
        return subscriber

    @classmethod
    async def connected(cls, url: str, token: str) -> "Subscriber":
        subscriber = await cls.open(url, {"accessToken": token})
        message = await subscriber.receive()
        assert message["type"] == "connection_ack", message
        subscriber.ack = message
        return subscriber

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self, timeout: float = 5.0) -> dict[str, Any]:
        while True:
            message = json.loads(await asyncio.wait_for(self.connection.recv(), timeout=timeout))
            if message["type"] == "ping":
                await self.send({"type": "pong"})
                continue
            return message

    async def subscribe(self, operation_id: str, query: str, variables: dict[str, Any] | None = None) -> None:
        await self.send({"id": operation_id, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}})

    async def event(self, operation_id: str = "1", timeout: float = 5.0) -> dict[str, Any]:
        message = await self.receive(timeout)
        assert message.get("id") == operation_id, message
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message["payload"]
        return next(iter(message["payload"]["data"].values()))

    async def events(self, count: int, operation_id: str = "1") -> list[dict[str, Any]]:
        return [await self.event(operation_id) for _ in range(count)]

    async def silent(self, seconds: float = 1.0) -> None:
        """Assert that nothing arrives for ``seconds``."""
        with pytest.raises(TimeoutError):
            message = await self.receive(timeout=seconds)
            pytest.fail(f"unexpected message {message}")

    async def closed_with(self, timeout: float = 5.0) -> int:
        try:
            while True:
                await asyncio.wait_for(self.connection.recv(), timeout=timeout)
        except ConnectionClosed as closed:
            assert closed.rcvd is not None
            return closed.rcvd.code

    async def close(self) -> None:
        await self.connection.close()


async def close_code(url: str, payload: dict[str, Any] | None) -> int:
    subscriber = await Subscriber.open(url, payload)
    return await subscriber.closed_with()


# Authentication


async def test_connection_without_token_closes_4401(server, catalogue):
    assert await close_code(server.url, {}) == 4401


async def test_connection_with_invalid_token_closes_4401(server, catalogue):
    assert await close_code(server.url, {"accessToken": "not-a-token"}) == 4401
    assert await close_code(server.url, {"authorization": "Bearer not-a-token"}) == 4401


async def test_connection_with_expired_token_closes_4401(server, client, catalogue):
    courier = await factories.active_courier(client)
    user = await User.get(id=courier.user_id)
    expired, _ = issue_access_token(
        user_id=user.id, role=user.role.value, jurisdiction_id=user.jurisdiction_id, token_version=user.token_version,
        scopes=[], department_id=None, now=datetime.now(timezone.utc) - timedelta(hours=2),
    )

    assert await close_code(server.url, {"accessToken": expired}) == 4401


async def test_connection_of_revoked_token_closes_4401(server, client, catalogue):
    courier = await factories.active_courier(client)
    await User.filter(id=courier.user_id).update(token_version=99)

    assert await close_code(server.url, {"accessToken": courier.access_token}) == 4401


async def test_gatekeeper_connection_closes_4403(server, client, catalogue):
    gatekeeper = await factories.gatekeeper(client, ["sanhe"])

    assert await close_code(server.url, {"accessToken": gatekeeper.access_token}) == 4403


async def test_subscribe_before_init_closes_4401(server, catalogue):
    connection = await connect(server.url, subprotocols=[PROTOCOL])
    subscriber = Subscriber(connection)

    await subscriber.subscribe("1", REPORT_EVENTS)

    assert await subscriber.closed_with() == 4401


async def test_legacy_graphql_ws_protocol_refused(server, catalogue):
    connection = await connect(server.url, subprotocols=["graphql-ws"])

    assert connection.subprotocol is None
    assert await Subscriber(connection).closed_with() == 4406


async def test_invalid_cursor_is_bad_user_input(server, client, catalogue):
    courier = await factories.active_courier(client)
    subscriber = await Subscriber.connected(server.url, courier.access_token)

    await subscriber.subscribe("1", REPORT_EVENTS, {"after": "yesterday"})
    message = await subscriber.receive()

    assert message["type"] == "next"
    assert message["payload"]["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert message["payload"]["errors"][0]["extensions"]["reason"] == "EVENT_CURSOR_INVALID"
    await subscriber.close()


# Feeds


async def test_hospital_receives_emergency_within_seconds(server, client, catalogue):
    # given
    courier = await factories.active_courier(client)
    hospital = await factories.staff(client, "hospital-emergency")
    subscriber = await Subscriber.connected(server.url, hospital.access_token)
    await subscriber.subscribe("1", EMERGENCIES)
    await asyncio.sleep(0.2)

    # when
    started = asyncio.get_running_loop().time()
    report = await submitted(client, courier.access_token, category="medical-emergency", description="老人倒地不起")
    event = await subscriber.event(timeout=5)
    elapsed = asyncio.get_running_loop().time() - started

    # then
    assert elapsed < 5
    assert event["kind"] == "DISPATCHED"
    assert event["department"]["code"] == "hospital-emergency"
    assert event["report"]["id"] == report["id"]
    assert event["report"]["description"] == "老人倒地不起"
    assert event["report"]["category"] == {
        "code": "medical-emergency", "name": "突发急症（中暑、脑卒中、有人倒地）", "priority": "EMERGENCY",
        "emergencyCall": "120",
    }
    assert event["report"]["location"]["latitude"] == pytest.approx(report["location"]["latitude"])
    assert event["report"]["location"]["address"] == "大丰街道测试路1号"
    assert event["report"]["community"]["code"] == "sanhe"
    assert event["report"]["media"] == []
    # A normal report is not an emergency, and the community health centre's dispatch is not the hospital's.
    await submitted(client, courier.access_token, category="traffic-light")
    await subscriber.silent(1.0)
    await subscriber.close()


async def test_department_feed_excludes_other_departments_reports(server, client, catalogue):
    courier = await factories.active_courier(client)
    traffic = await factories.staff(client, "traffic-police")
    urban = await factories.staff(client, "urban-management")
    traffic_feed = await Subscriber.connected(server.url, traffic.access_token)
    urban_feed = await Subscriber.connected(server.url, urban.access_token)
    await traffic_feed.subscribe("1", REPORT_EVENTS)
    await urban_feed.subscribe("1", REPORT_EVENTS)
    await asyncio.sleep(0.2)

    report = await submitted(client, courier.access_token, category="traffic-light")
    await act(client, ACCEPT, traffic.access_token, id=report["id"])

    submitted_event, dispatched, accepted = await traffic_feed.events(3)
    assert submitted_event["kind"] == "SUBMITTED"
    assert (dispatched["kind"], dispatched["department"]["code"]) == ("DISPATCHED", "traffic-police")
    assert (accepted["kind"], accepted["toStatus"]) == ("ACCEPTED", "ACCEPTED")
    assert dispatched["report"]["id"] == accepted["report"]["id"] == report["id"]
    assert int(dispatched["cursor"]) < int(accepted["cursor"])
    await urban_feed.silent(1.0)
    await traffic_feed.close()
    await urban_feed.close()


async def test_courier_feed_own_reports_without_internal_notes(server, client, catalogue):
    courier = await factories.active_courier(client)
    other = await factories.active_courier(client)
    traffic = await factories.staff(client, "traffic-police")
    subscriber = await Subscriber.connected(server.url, courier.access_token)
    await subscriber.subscribe("1", REPORT_EVENTS)
    await asyncio.sleep(0.2)

    await submitted(client, other.access_token)
    report = await submitted(client, courier.access_token)
    await act(client, NOTE, traffic.access_token, id=report["id"], text="内部备注")
    await act(client, REPLY, traffic.access_token, id=report["id"], text="已派人维修")

    kinds = [(e["kind"], e["comment"]) for e in await subscriber.events(3)]
    assert kinds == [("SUBMITTED", ""), ("DISPATCHED", ""), ("REPLIED", "已派人维修")]
    await subscriber.silent(1.0)
    await subscriber.close()


async def test_kinds_argument_filters_events(server, client, catalogue):
    courier = await factories.active_courier(client)
    subscriber = await Subscriber.connected(server.url, courier.access_token)
    await subscriber.subscribe("1", REPORT_EVENTS, {"kinds": ["DISPATCHED"]})
    await asyncio.sleep(0.2)

    await submitted(client, courier.access_token)

    assert (await subscriber.event())["kind"] == "DISPATCHED"
    await subscriber.silent(0.5)
    await subscriber.close()


# Resume


async def test_reconnect_with_cursor_receives_exactly_missed_events(server, client, catalogue):
    # given: a courier saw the first event of their report, then lost the connection
    courier = await factories.active_courier(client)
    traffic = await factories.staff(client, "traffic-police")
    first = await Subscriber.connected(server.url, courier.access_token)
    await first.subscribe("1", REPORT_EVENTS)
    await asyncio.sleep(0.2)
    report = await submitted(client, courier.access_token)
    submitted_event = await first.event()
    await first.close()

    # when: changes happen while away, and the courier resumes from the last cursor
    await act(client, ACCEPT, traffic.access_token, id=report["id"])
    await act(client, NOTE, traffic.access_token, id=report["id"], text="内部备注")
    await act(client, REPLY, traffic.access_token, id=report["id"], text="马上处理")
    second = await Subscriber.connected(server.url, courier.access_token)
    await second.subscribe("1", REPORT_EVENTS, {"after": submitted_event["cursor"]})
    replayed = await second.events(3)
    await act(client, REPLY, traffic.access_token, id=report["id"], text="已修好")
    live = await second.event()

    # then
    assert submitted_event["kind"] == "SUBMITTED"
    assert [e["kind"] for e in replayed] == ["DISPATCHED", "ACCEPTED", "REPLIED"]
    assert (live["kind"], live["comment"]) == ("REPLIED", "已修好")
    cursors = [int(e["cursor"]) for e in [submitted_event, *replayed, live]]
    assert cursors == sorted(set(cursors))
    await second.silent(1.0)
    await second.close()


async def test_resume_seam_under_load(server, client, catalogue):
    courier = await factories.active_courier(client)
    traffic = await factories.staff(client, "traffic-police")
    report = await submitted(client, courier.access_token)
    subscriber = await Subscriber.connected(server.url, courier.access_token)

    async def replies() -> None:
        for number in range(10):
            await act(client, REPLY, traffic.access_token, id=report["id"], text=f"进展{number}")

    writer = asyncio.create_task(replies())
    await asyncio.sleep(0.05)
    await subscriber.subscribe("1", REPORT_EVENTS, {"after": "0"})
    await writer
    received = await subscriber.events(12)

    assert [e["kind"] for e in received[:2]] == ["SUBMITTED", "DISPATCHED"]
    assert [e["comment"] for e in received[2:]] == [f"进展{n}" for n in range(10)]
    cursors = [int(e["cursor"]) for e in received]
    assert cursors == sorted(set(cursors))
    await subscriber.silent(0.5)
    await subscriber.close()


# Session limits


async def test_token_expiry_closes_socket(server, client, catalogue):
    courier = await factories.active_courier(client)
    user = await User.get(id=courier.user_id)
    lifetime = get_settings().access_token_minutes * 60
    # Issued so that it expires two seconds from now.
    token, expires_at = issue_access_token(
        user_id=user.id, role=user.role.value, jurisdiction_id=user.jurisdiction_id, token_version=user.token_version,
        scopes=[], department_id=None, now=datetime.now(timezone.utc) - timedelta(seconds=lifetime - 2),
    )
    subscriber = await Subscriber.connected(server.url, token)
    await subscriber.subscribe("1", REPORT_EVENTS)

    assert subscriber.ack["payload"]["expiresAt"] == expires_at.replace(microsecond=0).isoformat()
    assert await subscriber.closed_with(timeout=6) == 4401


async def test_subscription_cap_per_connection(server, client, catalogue):
    courier = await factories.active_courier(client)
    cap = get_settings().subscriptions_per_connection
    subscriber = await Subscriber.connected(server.url, courier.access_token)

    for number in range(cap):
        await subscriber.subscribe(str(number), REPORT_EVENTS)
    await subscriber.subscribe("extra", REPORT_EVENTS)
    message = await subscriber.receive()

    assert message["id"] == "extra"
    assert message["type"] == "error"
    assert message["payload"][0]["message"] == "Subscription limit reached"
    # The connection stays open for the subscriptions within the cap.
    await submitted(client, courier.access_token)
    first = await subscriber.receive()
    assert first["type"] == "next"
    await subscriber.close()


# Acknowledgement


async def test_hospital_acknowledgement_reaches_courier(server, client, catalogue):
    courier = await factories.active_courier(client)
    hospital = await factories.staff(client, "hospital-emergency")
    admin = await factories.admin(client)
    subscriber = await Subscriber.connected(server.url, courier.access_token)
    await subscriber.subscribe("1", REPORT_EVENTS, {"kinds": ["ACKNOWLEDGED"]})
    await asyncio.sleep(0.2)
    report = await submitted(client, courier.access_token, category="medical-emergency")

    result = await client.execute(
        ACKNOWLEDGE, {"input": {"reportId": report["id"], "etaMinutes": 6, "comment": "救护车已出发"}},
        token=hospital.access_token,
    )
    event = await subscriber.event()

    acknowledgement = result.data["emergencyAcknowledge"]["acknowledgement"]
    assert result.data["emergencyAcknowledge"]["errors"] == []
    assert acknowledgement["etaMinutes"] == 6
    assert 0 <= acknowledgement["responseSeconds"] < 60
    assert (event["kind"], event["etaMinutes"], event["comment"]) == ("ACKNOWLEDGED", 6, "救护车已出发")
    assert event["department"]["code"] == "hospital-emergency"
    statistics = await client.execute(
        "query S($since: DateTime!, $until: DateTime!) { emergencyResponseStatistics(since: $since, until: $until) "
        "{ acknowledged medianSeconds withinGoldenTime withinLimit } }",
        {"since": "2020-01-01T00:00:00+00:00", "until": "2020-12-31T00:00:00+00:00"}, token=admin.access_token,
    )
    assert statistics.data["emergencyResponseStatistics"]["acknowledged"] == 0
    now = datetime.now(timezone.utc)
    statistics = await client.execute(
        "query S($since: DateTime!, $until: DateTime!) { emergencyResponseStatistics(since: $since, until: $until) "
        "{ acknowledged medianSeconds withinGoldenTime withinLimit } }",
        {"since": (now - timedelta(hours=1)).isoformat(), "until": (now + timedelta(hours=1)).isoformat()},
        token=admin.access_token,
    )
    assert statistics.data["emergencyResponseStatistics"] == {
        "acknowledged": 1, "medianSeconds": acknowledgement["responseSeconds"], "withinGoldenTime": 1, "withinLimit": 1,
    }
    await subscriber.close()
