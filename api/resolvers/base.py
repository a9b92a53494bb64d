"""Helpers shared by resolvers."""

from __future__ import annotations

import uuid

from strawberry.types import Info

from api.errors import NotFound, ValidationFailed
from api.schema.context import Context


def context_of(info: Info) -> Context:
    return info.context


def parse_uuid(value: str) -> uuid.UUID:
    """Parse an ID argument; a malformed id is as unknown as a missing one."""
    try:
        return uuid.UUID(str(value))
    except ValueError as error:
        raise NotFound() from error


def parse_int_id(value: str | None, field_name: str, code: str) -> int | None:
    if value is None:
        return None
    try:
        return int(str(value))
    except ValueError as error:
        raise ValidationFailed.single(field_name, code) from error
