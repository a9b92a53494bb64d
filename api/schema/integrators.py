"""GraphQL types of integrator clients, which admins manage."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.models.integrators import IntegratorClient as IntegratorClientModel
from api.models.integrators import IntegratorScope as IntegratorScopeModel
from api.schema.errors import UserError

IntegratorScope = strawberry.enum(
    IntegratorScopeModel,
    name="IntegratorScope",
    description="What an integrator client may do: read reports of its categories, file reports, receive webhooks.",
)


@strawberry.type(description="A third-party system with client credentials. The secret itself is never shown here.")
class IntegratorClient:
    id: strawberry.ID
    client_id: str
    name: str
    scopes: list[IntegratorScope]
    category_codes: list[str]
    department_code: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@strawberry.input(description="A new integrator client of the admin's jurisdiction.")
class IntegratorClientCreateInput:
    name: str
    scopes: list[IntegratorScope]
    category_codes: list[str] = strawberry.field(
        default_factory=list, description="Categories whose reports the client may read (needed for REPORTS_READ)."
    )
    department_code: str | None = strawberry.field(default=None, description="The department whose system this is.")


@strawberry.type(description="A client with its new secret. The secret is shown only in this response.")
class IntegratorClientSecretPayload:
    client: IntegratorClient | None = None
    client_secret: str | None = strawberry.field(default=None, description="For the OAuth token endpoint.")
    api_key: str | None = strawberry.field(default=None, description="For Open311: clientId and secret as id:secret.")
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class IntegratorClientPayload:
    client: IntegratorClient | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def integrator_client_type(model: IntegratorClientModel) -> IntegratorClient:
    categories = await model.categories.all().order_by("code").values_list("code", flat=True)
    department = await model.department if model.department_id is not None else None
    return IntegratorClient(
        id=strawberry.ID(str(model.id)),
        client_id=model.client_id,
        name=model.name,
        scopes=[IntegratorScopeModel(value) for value in model.scopes],
        category_codes=list(categories),
        department_code=department.code if department is not None else None,
        created_at=model.created_at,
        last_used_at=model.last_used_at,
        revoked_at=model.revoked_at,
    )
