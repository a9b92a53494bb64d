"""The assembled GraphQL schema: each domain adds its Query and Mutation classes here."""

from __future__ import annotations

import strawberry
from strawberry.tools import merge_types

from api.resolvers.identity import IdentityMutation, IdentityQuery

QUERIES: tuple[type, ...] = (IdentityQuery,)
MUTATIONS: tuple[type, ...] = (IdentityMutation,)

Query = merge_types("Query", QUERIES)
Mutation = merge_types("Mutation", MUTATIONS)


def build_schema(extensions: list | None = None) -> strawberry.Schema:
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=extensions or [])


schema = build_schema()
