"""How deep an operation goes, its aliases and what it costs, read before it runs.

One validation rule measures all three, so the result is remembered with the document's other
validation errors (``hub.gql.limits``): a query pays for it once, not on every request.

Depth counts levels of fields: ``{ towns { slug } }`` is 2 deep. Cost counts the calls a
query makes. A field that calls a backend (a folder listing, the calendars, the directory;
every mutation, and the fields declared with ``metadata=BACKEND_CALL``) weighs ``BACKEND``
each time it runs: once per item of every list above it, each list counted ``LIST_SIZE``
items. A field read from the hub's database weighs 1 however many items are above it (its
loader reads a whole level in one query); a plain attribute weighs nothing. So
``workspace(id) { entries }`` costs 11, and fifteen aliased ``entries`` under
``towns { members { person { memberships { town { workspace`` cost about 150 000.
Aliases and costs in a fragment count each time it is spread (each fragment is measured once);
introspection weighs nothing.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from graphql.language.visitor import SKIP, VisitorAction
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    get_named_type,
    is_list_type,
    is_non_null_type,
)

BACKEND = 10
LIST_SIZE = 10
COST = "entente.cost"
BACKEND_CALL = {COST: BACKEND}
"""``strawberry.field(metadata=BACKEND_CALL)``: this field calls a backend server."""


def backend_calls(count: int) -> dict[str, int]:
    """``metadata=backend_calls(n)``: this field may call a backend up to ``n`` times."""
    return {COST: BACKEND * count}


class Measure(NamedTuple):
    depth: int
    aliases: int
    once: int
    """Cost paid once per query (database fields)."""
    per_item: int
    """Cost paid once per item of every list above (backend calls)."""

    def __add__(self, other: object) -> Measure:  # side by side in one selection set
        assert isinstance(other, Measure)
        return Measure(
            max(self.depth, other.depth),
            self.aliases + other.aliases,
            self.once + other.once,
            self.per_item + other.per_item,
        )


NOTHING = Measure(0, 0, 0, 0)


def weight(field: GraphQLField) -> tuple[int, bool]:
    """The field's weight, and whether it is paid per item (a backend call)."""
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField):
        return 0, False
    declared = definition.metadata.get(COST)
    if isinstance(declared, int):
        return declared, True
    return (1 if definition.base_resolver is not None else 0), False


def _list_factor(field: GraphQLField) -> int:
    kind: Any = field.type
    factor = 1
    while is_non_null_type(kind) or is_list_type(kind):
        if is_list_type(kind):
            factor *= LIST_SIZE
        kind = kind.of_type
    return factor


def limits_rule(max_depth: int, max_aliases: int, max_cost: int) -> type[ASTValidationRule]:
    """The rule refusing an operation deeper, with more aliases, or dearer than allowed."""

    class DepthAliasesAndCost(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.fragments: dict[str, Measure] = {}
            self.mutation = context.schema.mutation_type
            self.measuring: set[str] = set()

        def enter_operation_definition(
            self, node: OperationDefinitionNode, *_: object
        ) -> VisitorAction:
            root = self.context.schema.get_root_type(node.operation)
            if root is None:
                return SKIP
            measured = self.selections(root, node.selection_set)
            name = node.name.value if node.name else "The query"
            cost = measured.once + measured.per_item
            refusals = [
                (
                    measured.depth > max_depth,
                    f"is {measured.depth} levels deep",
                    max_depth,
                    "DEPTH",
                ),
                (
                    measured.aliases > max_aliases,
                    f"has {measured.aliases} aliases",
                    max_aliases,
                    "ALIASES",
                ),
                (
                    cost > max_cost,
                    f"would cost {cost} (backend calls weigh {BACKEND}, lists count "
                    f"{LIST_SIZE} items)",
                    max_cost,
                    "COST",
                ),
            ]
            for refused, what, limit, variable in refusals:
                if refused:
                    message = f"{name} {what}; the limit is {limit} (HUB_MAX_QUERY_{variable})."
                    self.report_error(GraphQLError(message, node))
            return SKIP

        def selections(self, parent: GraphQLNamedType, selection_set: SelectionSetNode) -> Measure:
            measured = NOTHING
            for selection in selection_set.selections:
                if isinstance(selection, FieldNode):
                    measured += self.field(parent, selection)
                elif isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition
                    kind = self.type_named(condition.name.value) if condition else parent
                    if kind is not None:
                        measured += self.selections(kind, selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    measured += self.fragment(selection.name.value)
            return measured

        def field(self, parent: GraphQLNamedType, node: FieldNode) -> Measure:
            name = node.name.value
            alias = 1 if node.alias is not None else 0
            fields = getattr(parent, "fields", None)
            if name.startswith("__") or not fields or name not in fields:
                return Measure(1, alias, 0, 0)  # introspection, or a field other rules refuse
            definition: GraphQLField = fields[name]
            # every mutation of the hub calls a backend (the directory, files, calendars)
            own, is_call = (BACKEND, True) if parent is self.mutation else weight(definition)
            below = (
                self.selections(get_named_type(definition.type), node.selection_set)
                if node.selection_set is not None
                else NOTHING
            )
            per_item = _list_factor(definition) * below.per_item
            return Measure(
                1 + below.depth,
                alias + below.aliases,
                below.once + (0 if is_call else own),
                per_item + (own if is_call else 0),
            )

        def type_named(self, name: str) -> GraphQLNamedType | None:
            return self.context.schema.get_type(name)

        def fragment(self, name: str) -> Measure:
            known = self.fragments.get(name)
            if known is not None:
                return known
            definition = self.context.get_fragment(name)
            if definition is None or name in self.measuring:
                return NOTHING  # unknown or cyclic: other rules refuse it
            kind = self.type_named(definition.type_condition.name.value)
            if kind is None:
                return NOTHING
            self.measuring.add(name)
            measured = self.selections(kind, definition.selection_set)
            self.measuring.discard(name)
            self.fragments[name] = measured
            return measured

    return DepthAliasesAndCost
