"""Production log lines: one JSON object per line, with the request id, and no secrets or personal data."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import datetime

import pytest

from api.logging_setup import JsonFormatter, configure_logging
from api.models.identity import User, UserStatus
from api.request_context import _request_id, set_request_id
from tests.factories import LOGIN, PASSWORD, REGISTER, courier_input

REFRESH = "mutation Refresh($token: String!) { tokenRefresh(refreshToken: $token) { errors { code } } }"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Capture every INFO and higher record as the production JSON lines, formatted when emitted."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)


def entries_of(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_line_shape():
    logger = logging.getLogger("api.test_logging")
    record = logger.makeRecord(logger.name, logging.WARNING, __file__, 1, "login throttled", (), None,
                               extra={"key_kind": "account"})
    token = set_request_id("req-42")
    try:
        line = JsonFormatter().format(record)
    finally:
        _request_id.reset(token)

    entry = json.loads(line)
    assert set(entry) == {"time", "level", "logger", "message", "request_id", "key_kind"}
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "api.test_logging"
    assert entry["message"] == "login throttled"
    assert entry["request_id"] == "req-42"
    assert entry["key_kind"] == "account"
    assert datetime.fromisoformat(entry["time"]).utcoffset().total_seconds() == 0


def test_json_line_without_request():
    record = logging.getLogger("api.test_logging").makeRecord("api.test_logging", logging.INFO, __file__, 1,
                                                              "service started", (), None)

    entry = json.loads(JsonFormatter().format(record))

    assert entry["request_id"] is None


def test_json_line_stays_one_line():
    """A newline in a message or a field cannot start a forged log line."""
    logger = logging.getLogger("api.test_logging")
    try:
        raise ValueError("first\nsecond")
    except ValueError as error:
        record = logger.makeRecord(logger.name, logging.ERROR, __file__, 1, "failed: %s", (error,),
                                   (type(error), error, error.__traceback__), extra={"detail": "a\nb"})

    line = JsonFormatter().format(record)

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "failed: first\nsecond"
    assert "ValueError: first" in entry["exception"]


def test_configure_logging_installs_json_formatter():
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    try:
        configure_logging(json_lines=True, level="WARNING")

        assert len(root.handlers) == 1
        assert isinstance(root.handlers[0].formatter, JsonFormatter)
        assert root.level == logging.WARNING
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)


async def test_request_logs_carry_request_id(client, catalogue, json_log):
    values = courier_input()

    registered = await client.execute(REGISTER, {"input": values}, headers={"x-request-id": "reg-0001"})
    user_id = registered.data["courierRegister"]["account"]["id"]
    await User.filter(id=user_id).update(status=UserStatus.ACTIVE)
    login = await client.execute(LOGIN, {"account": values["phone"], "password": PASSWORD})

    entries = entries_of(json_log)
    registration = [e for e in entries if e["message"] == "courier registered"]
    success = [e for e in entries if e["message"] == "login succeeded"]
    assert registration == [{**registration[0], "request_id": "reg-0001", "user_id": user_id}]
    assert success == [{**success[0], "request_id": login.headers["x-request-id"], "user_id": user_id}]
    assert len(login.headers["x-request-id"]) == 32


async def test_request_logs_hold_no_personal_data(client, catalogue, json_log):
    values = courier_input()
    wrong_password = "Not-the-password-9"

    registered = await client.execute(REGISTER, {"input": values})
    await User.filter(id=registered.data["courierRegister"]["account"]["id"]).update(status=UserStatus.ACTIVE)
    for _ in range(6):  # the sixth attempt is throttled and logged as such
        await client.execute(LOGIN, {"account": values["phone"], "password": wrong_password})
    await client.execute(REFRESH, {"token": "not-a-real-refresh-token-value"})

    output = json_log.getvalue()
    entries = entries_of(json_log)
    assert any(entry["message"] == "login throttled" for entry in entries)
    for personal in (values["phone"], values["phone"][-8:], values["idNumber"], values["realName"],
                     PASSWORD, wrong_password, "not-a-real-refresh-token-value"):
        assert personal not in output, personal


async def test_tokens_never_logged(client, catalogue, json_log):
    values = courier_input()
    registered = await client.execute(REGISTER, {"input": values})
    await User.filter(id=registered.data["courierRegister"]["account"]["id"]).update(status=UserStatus.ACTIVE)

    login = await client.execute(LOGIN, {"account": values["phone"], "password": PASSWORD})
    tokens = login.data["tokenCreate"]["tokens"]
    await client.execute("query Me { me { id } }", token=tokens["accessToken"])
    await client.execute(REFRESH, {"token": tokens["refreshToken"]})
    await client.execute(REFRESH, {"token": tokens["refreshToken"]})  # reuse: logged as a revoked family

    output = json_log.getvalue()
    assert any(entry["message"] == "refresh token reused; all sessions revoked" for entry in entries_of(json_log))
    assert tokens["accessToken"] not in output
    assert tokens["refreshToken"] not in output
    # A JWT's signature part alone would also be a leak.
    assert tokens["accessToken"].rsplit(".", 1)[-1] not in output
