"""GraphQL types of the audit trail, which admins read."""

from __future__ import annotations

import base64
from datetime import datetime

import strawberry
from strawberry.relay import PageInfo
from strawberry.scalars import JSON

from api.models.audit import AuditEntry as AuditEntryModel


@strawberry.type(description="One audited action: an admin action or a read of a courier's personal details.")
class AuditEntry:
    id: strawberry.ID
    action: str
    target_type: str
    target_id: str
    actor_id: strawberry.ID | None
    actor_name: str | None
    detail: JSON
    request_id: str
    created_at: datetime


@strawberry.type(description="An audit entry and its cursor.")
class AuditEntryEdge:
    cursor: str
    node: AuditEntry


@strawberry.type(description="A page of audit entries, newest first.")
class AuditEntryConnection:
    edges: list[AuditEntryEdge]
    page_info: PageInfo


def encode_cursor(entry_id: int) -> str:
    return base64.urlsafe_b64encode(f"audit:{entry_id}".encode()).decode()


def decode_cursor(cursor: str) -> int | None:
    """Return the entry id inside a cursor, or None for a cursor this API did not issue."""
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        return int(value) if kind == "audit" else None
    except (ValueError, UnicodeDecodeError):
        return None


def audit_entry_type(entry: AuditEntryModel) -> AuditEntry:
    actor = entry.actor if entry.actor_id is not None else None
    return AuditEntry(
        id=strawberry.ID(str(entry.id)),
        action=entry.action,
        target_type=entry.target_type,
        target_id=entry.target_id,
        actor_id=strawberry.ID(str(entry.actor_id)) if entry.actor_id else None,
        actor_name=actor.real_name if actor is not None else None,
        detail=entry.detail,
        request_id=entry.request_id,
        created_at=entry.created_at,
    )
