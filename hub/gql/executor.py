"""A graphql-core executor with a fast path for objects whose selected fields are all plain
attributes of scalar type: a listing of 200 entries x 8 fields spent most of its GraphQL time
building a resolve info, a path and a completion chain per field, none of which a plain
attribute needs.

The fast path is taken only when it cannot differ from the general one: every selected field
is strawberry's default attribute resolver (no resolver function, no permission, no exception
handler), takes no arguments, returns a scalar or enum, and no extension wraps resolvers. A
value the fast path cannot complete exactly as graphql-core would (null in a non-null field,
an awaitable, an exception, a value the scalar refuses) sends the object back through the
general path, which reports it as usual; reading attributes again has no side effect.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from graphql.execution.collect_fields import GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from graphql import (
    GraphQLField,
    GraphQLObjectType,
    Undefined,
    is_leaf_type,
    is_non_null_type,
)

# (response name, read the value from the source, coerce it for output, non-null)
_Step = tuple[str, Callable[[Any], Any], Callable[[Any], Any], bool]
_Plan = tuple[_Step, ...]


class HubExecutor(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # grouped field sets are memoized by graphql-core for the executor's life, so their
        # id is a stable key; the set is kept alongside so the id cannot be reused
        self._plans: dict[int, tuple[GroupedFieldSet, _Plan | None]] = {}

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        found = self._plans.get(id(grouped_field_set))
        if found is None or found[0] is not grouped_field_set:
            found = (grouped_field_set, self._plan(parent_type, grouped_field_set))
            self._plans[id(grouped_field_set)] = found
        plan = found[1]
        if plan is not None and not isinstance(source_value, Exception):
            results = _complete_plain(plan, source_value, self.is_awaitable)
            if results is not None:
                return results
        return super().execute_fields(
            parent_type, source_value, path, grouped_field_set, position_context
        )

    def _plan(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> _Plan | None:
        manager = self.middleware_manager
        if manager is not None and manager.middlewares:
            return None
        steps: list[_Step] = []
        for response_name, details in fields.items():
            node = details[0].node
            name = node.name.value
            if name == "__typename":
                steps.append((response_name, _constant(parent_type.name), str, True))
                continue
            field = self.schema.get_field(parent_type, name)
            if field is None or field.args or any(d.node.arguments for d in details):
                return None
            resolve = field.resolve
            if resolve is None or not getattr(resolve, "_is_default", False):
                return None
            non_null = is_non_null_type(field.type)
            leaf = field.type.of_type if non_null else field.type  # type: ignore[union-attr]
            if not is_leaf_type(leaf):
                return None
            steps.append(
                (response_name, _reader(field, resolve), leaf.coerce_output_value, non_null)
            )
        return tuple(steps)


def _constant(value: str) -> Callable[[Any], str]:
    return lambda _source: value


def _reader(field: GraphQLField, resolve: Callable[..., Any]) -> Callable[[Any], Any]:
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if isinstance(definition, StrawberryField) and definition.default_resolver is getattr:
        return attrgetter(definition.python_name)  # what the default resolver does, directly
    # strawberry's default resolver ignores its info argument
    return lambda source: resolve(source, None)


def _complete_plain(
    plan: _Plan, source: Any, is_awaitable: Callable[[Any], bool]
) -> dict[str, Any] | None:
    """The object's fields, or None when one needs the general path."""
    results: dict[str, Any] = {}
    for response_name, read, coerce, non_null in plan:
        value = read(source)
        if value is None:
            if non_null:
                return None
            results[response_name] = None
            continue
        if isinstance(value, Exception) or is_awaitable(value):
            return None
        try:
            coerced = coerce(value)
        except Exception:
            return None
        if coerced is None or coerced is Undefined:
            return None
        results[response_name] = coerced
    return results
