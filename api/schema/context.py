"""The per-request GraphQL context: language, caller, request id and per-request loaders."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import HTTPConnection

from api.auth.principal import Principal, authenticate
from api.errors import AppError
from api.i18n import Language, translate


@dataclass
class Context:
    request: HTTPConnection | None
    language: Language
    request_id: str
    bearer_token: str | None = None
    client_address: str = "unknown"
    # DataLoaders and caches live here, so nothing one caller loaded reaches another.
    loaders: dict[str, Any] = field(default_factory=dict)
    _principal: Principal | None = None
    _principal_error: AppError | None = None
    _authenticated: bool = False
    _principal_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    response: Any = None

    async def principal(self) -> Principal | None:
        """The caller, or None without a token; a bad token raises UNAUTHENTICATED."""
        # Root fields resolve concurrently, so the first caller authenticates and the rest wait.
        async with self._principal_lock:
            await self._authenticate_once()
        if self._principal_error is not None:
            raise self._principal_error
        return self._principal

    async def _authenticate_once(self) -> None:
        if not self._authenticated:
            self._authenticated = True
            if self.bearer_token:
                try:
                    self._principal = await authenticate(self.bearer_token)
                except AppError as error:
                    self._principal_error = error

    def t(self, key: str, **params: object) -> str:
        return translate(key, self.language, **params)

    def loader(self, name: str, factory: Any) -> Any:
        if name not in self.loaders:
            self.loaders[name] = factory()
        return self.loaders[name]


def bearer_token_from(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
