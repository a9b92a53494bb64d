"""Admin queries and mutations for integrator clients."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.errors import ValidationFailed
from api.integrators import service
from api.models.integrators import IntegratorScope as IntegratorScopeModel
from api.resolvers.base import context_of, parse_uuid
from api.schema.errors import user_errors
from api.schema.integrators import (
    IntegratorClient,
    IntegratorClientCreateInput,
    IntegratorClientPayload,
    IntegratorClientSecretPayload,
    integrator_client_type,
)


async def _secret_payload(issued: service.IssuedSecret) -> IntegratorClientSecretPayload:
    return IntegratorClientSecretPayload(
        client=await integrator_client_type(issued.client), client_secret=issued.secret, api_key=issued.api_key
    )


@strawberry.type
class IntegratorQuery:
    @strawberry.field(description="Admin: the integrator clients of the admin's jurisdiction, newest first.")
    async def integrator_clients(self, info: Info) -> list[IntegratorClient]:
        clients = await service.list_clients(await context_of(info).principal())
        return [await integrator_client_type(client) for client in clients]


@strawberry.type
class IntegratorMutation:
    @strawberry.mutation(description="Admin: create an integrator client; its secret is returned only here.")
    async def integrator_client_create(
        self, info: Info, input: IntegratorClientCreateInput
    ) -> IntegratorClientSecretPayload:
        context = context_of(info)
        try:
            issued = await service.create_client(
                await context.principal(),
                name=input.name,
                scopes=[IntegratorScopeModel(scope.value) for scope in input.scopes],
                category_codes=input.category_codes,
                department_code=input.department_code,
            )
        except ValidationFailed as error:
            return IntegratorClientSecretPayload(errors=user_errors(error, context.language))
        return await _secret_payload(issued)

    @strawberry.mutation(description="Admin: replace a client's secret; the old secret and its tokens stop working.")
    async def integrator_client_secret_rotate(self, info: Info, id: strawberry.ID) -> IntegratorClientSecretPayload:
        context = context_of(info)
        try:
            issued = await service.rotate_secret(await context.principal(), parse_uuid(id))
        except ValidationFailed as error:
            return IntegratorClientSecretPayload(errors=user_errors(error, context.language))
        return await _secret_payload(issued)

    @strawberry.mutation(description="Admin: revoke a client for good; its secret and tokens stop working at once.")
    async def integrator_client_revoke(self, info: Info, id: strawberry.ID) -> IntegratorClientPayload:
        client = await service.revoke_client(await context_of(info).principal(), parse_uuid(id))
        return IntegratorClientPayload(client=await integrator_client_type(client))
