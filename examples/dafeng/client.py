"""The apps' side of the wire: GraphQL over HTTP, presigned uploads, and graphql-transport-ws subscriptions.

Each actor (a courier's phone, a department portal) sends its own client
address in X-Forwarded-For. `python -m api serve` runs uvicorn with proxy
headers, and uvicorn trusts that header from 127.0.0.1 as it would from a
reverse proxy. So the rate limits per client address apply per simulated
phone as they do in production, and the day needs none of them raised.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

PROTOCOL = "graphql-transport-ws"


class ApiError(RuntimeError):
    """Raised when the API returns errors the scenario did not expect."""


@dataclass
class Actor:
    """Someone using an app: a name for messages, a client address, and a token once logged in."""

    label: str
    address: str
    token: str | None = None
    user_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Api:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        # Everything is on 127.0.0.1, so proxy settings of the environment must not apply.
        self.http = httpx.AsyncClient(
            base_url=base_url, timeout=30, limits=httpx.Limits(max_connections=32), trust_env=False
        )
        self.requests = 0

    async def close(self) -> None:
        await self.http.aclose()

    def _headers(self, actor: Actor | None) -> dict[str, str]:
        headers = {"content-type": "application/json"}
        if actor is not None:
            headers["x-forwarded-for"] = actor.address
            if actor.token:
                headers["authorization"] = f"Bearer {actor.token}"
        return headers

    async def execute(self, actor: Actor | None, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send one operation and return the whole response body (data and any errors)."""
        self.requests += 1
        response = await self.http.post(
            "/graphql", json={"query": document, "variables": variables or {}}, headers=self._headers(actor)
        )
        try:
            body = response.json()
        except ValueError as error:
            raise ApiError(f"{actor.label if actor else 'anonymous'}: HTTP {response.status_code}: {response.text[:300]}") from error
        return body

    async def data(self, actor: Actor | None, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send one operation and return its data, raising on any top-level error."""
        body = await self.execute(actor, document, variables)
        if body.get("errors"):
            raise ApiError(f"{actor.label if actor else 'anonymous'}: {body['errors']}")
        return body["data"]

    async def mutate(self, actor: Actor | None, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a mutation and return its payload, raising on top-level errors and on payload errors."""
        data = await self.data(actor, document, variables)
        [payload] = data.values()
        if payload.get("errors"):
            raise ApiError(f"{actor.label if actor else 'anonymous'}: {payload['errors']}")
        return payload

    async def upload(self, actor: Actor, url: str, fields: list[dict[str, str]], file_field: str,
                     content: bytes, content_type: str, filename: str) -> int:
        """POST a multipart form, the fields first and the file last, as the mini-program's uploadFile does."""
        form = {item["name"]: item["value"] for item in fields}
        response = await self.http.post(
            url, data=form, files={file_field: (filename, content, content_type)},
            headers={"x-forwarded-for": actor.address},
        )
        return response.status_code

    async def download(self, url: str) -> httpx.Response:
        return await self.http.get(url)


class Subscription:
    """One graphql-transport-ws connection running one subscription."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    @classmethod
    async def start(cls, base_url: str, actor: Actor, document: str, variables: dict[str, Any] | None = None) -> "Subscription":
        url = base_url.replace("http://", "ws://", 1) + "/graphql"
        connection = await connect(
            url, subprotocols=[PROTOCOL], open_timeout=10, proxy=None,
            additional_headers={"x-forwarded-for": actor.address},
        )
        subscription = cls(connection)
        await subscription._send({"type": "connection_init", "payload": {"accessToken": actor.token}})
        acknowledged = await subscription._receive(timeout=10)
        if acknowledged["type"] != "connection_ack":
            raise ApiError(f"{actor.label}: the subscription was rejected: {acknowledged}")
        await subscription._send({"id": "1", "type": "subscribe", "payload": {"query": document, "variables": variables or {}}})
        return subscription

    async def _send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def _receive(self, timeout: float | None = None) -> dict[str, Any]:
        while True:
            message = json.loads(await asyncio.wait_for(self.connection.recv(), timeout=timeout))
            if message["type"] == "ping":
                await self._send({"type": "pong"})
                continue
            return message

    async def next_event(self) -> dict[str, Any]:
        """Wait for the next event and return its data, raising on an error or the end of the stream."""
        message = await self._receive()
        if message["type"] != "next" or message["payload"].get("errors"):
            raise ApiError(f"subscription ended or failed: {message}")
        [event] = message["payload"]["data"].values()
        return event

    async def close(self) -> None:
        await self.connection.close()
