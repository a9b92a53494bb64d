"""A small GraphQL client over httpx for tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class GraphQLResult:
    status_code: int
    body: dict[str, Any]
    headers: httpx.Headers

    @property
    def data(self) -> dict[str, Any]:
        assert not self.body.get("errors"), self.body.get("errors")
        return self.body["data"]

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.body.get("errors") or []

    @property
    def error_code(self) -> str | None:
        return self.errors[0]["extensions"]["code"] if self.errors else None

    @property
    def error_reason(self) -> str | None:
        return self.errors[0]["extensions"].get("reason") if self.errors else None


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        language: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> GraphQLResult:
        request_headers = {"content-type": "application/json"}
        if token:
            request_headers["authorization"] = f"Bearer {token}"
        if language:
            request_headers["accept-language"] = language
        request_headers.update(headers or {})
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=request_headers
        )
        return GraphQLResult(response.status_code, response.json(), response.headers)
