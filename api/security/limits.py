"""Query cost limits: selection depth and aliases, checked while the document is validated.

Both counts expand fragment spreads, so an alias flood hidden in fragments counts
in full. Each fragment is measured once and the result reused, which keeps the
check linear in the document size even when fragments spread each other many
times (a "fragment bomb" would otherwise cost exponential time in the check itself).
A fragment that spreads itself, directly or through others, counts as empty here.
graphql-core's NoFragmentCyclesRule reports the cycle as a validation error.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from strawberry.extensions import MaxTokensLimiter, SchemaExtension

from api.config import get_settings

QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"


@dataclass(frozen=True)
class SelectionCost:
    depth: int
    aliases: int


_EMPTY = SelectionCost(0, 0)


class _CostMeter:
    """Measure selection sets of one document, memoising each fragment."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self._fragments = fragments
        self._measured: dict[str, SelectionCost] = {}
        self._in_progress: set[str] = set()

    def selection_set(self, selection_set: SelectionSetNode | None) -> SelectionCost:
        if selection_set is None:
            return _EMPTY
        depth = 0
        aliases = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                cost = self.field(selection)
            elif isinstance(selection, InlineFragmentNode):
                cost = self.selection_set(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                cost = self.fragment(selection.name.value)
            else:  # pragma: no cover - the GraphQL grammar has no other selection kind
                continue
            depth = max(depth, cost.depth)
            aliases += cost.aliases
        return SelectionCost(depth, aliases)

    def field(self, node: FieldNode) -> SelectionCost:
        inner = self.selection_set(node.selection_set)
        alias = 1 if node.alias is not None else 0
        # Introspection fields (__schema, __type) do not add depth, the same rule as
        # strawberry's QueryDepthLimiter, because the standard introspection query nests
        # ofType nine levels deep. Outside development only admins may introspect.
        if node.name.value.startswith("__"):
            return SelectionCost(0, inner.aliases + alias)
        return SelectionCost(inner.depth + 1, inner.aliases + alias)

    def fragment(self, name: str) -> SelectionCost:
        if name in self._measured:
            return self._measured[name]
        definition = self._fragments.get(name)
        if definition is None or name in self._in_progress:
            # An unknown fragment or a cycle: other validation rules report it.
            return _EMPTY
        self._in_progress.add(name)
        cost = self.selection_set(definition.selection_set)
        self._in_progress.discard(name)
        self._measured[name] = cost
        return cost


def query_cost_rule(*, max_depth: int, max_aliases: int) -> type[ValidationRule]:
    """Build a validation rule that rejects operations deeper or more aliased than the limits."""

    class QueryCostRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            document = context.document
            fragments = {
                definition.name.value: definition
                for definition in document.definitions
                if isinstance(definition, FragmentDefinitionNode)
            }
            meter = _CostMeter(fragments)
            for definition in document.definitions:
                if not isinstance(definition, OperationDefinitionNode):
                    continue
                cost = meter.selection_set(definition.selection_set)
                name = definition.name.value if definition.name else "anonymous"
                if cost.depth > max_depth:
                    context.report_error(
                        GraphQLError(
                            f"Operation '{name}' is {cost.depth} levels deep; the maximum is {max_depth}.",
                            definition,
                            extensions={"code": QUERY_TOO_COMPLEX},
                        )
                    )
                if cost.aliases > max_aliases:
                    context.report_error(
                        GraphQLError(
                            f"Operation '{name}' uses {cost.aliases} aliases; the maximum is {max_aliases}.",
                            definition,
                            extensions={"code": QUERY_TOO_COMPLEX},
                        )
                    )

    return QueryCostRule


class QueryCostLimiter(SchemaExtension):
    """Add the depth and alias rule to every operation's validation, with limits from the settings."""

    def __init__(self, *, max_depth: int | None = None, max_aliases: int | None = None) -> None:
        settings = get_settings()
        self.rule = query_cost_rule(
            max_depth=settings.graphql_max_depth if max_depth is None else max_depth,
            max_aliases=settings.graphql_max_aliases if max_aliases is None else max_aliases,
        )

    def on_operation(self) -> Iterator[None]:
        self.execution_context.validation_rules = (*self.execution_context.validation_rules, self.rule)
        yield


class TokenLimiter(MaxTokensLimiter):
    """Stop parsing a document at the token limit from the settings.

    graphql-core's parser raises a syntax error at the limit, so a token flood
    costs no more than the limit itself.
    """

    def __init__(self, max_token_count: int | None = None) -> None:
        super().__init__(get_settings().graphql_max_tokens if max_token_count is None else max_token_count)
