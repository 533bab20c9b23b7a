"""A graphql-core executor with a fast path for objects whose selected fields are all plain
attributes of scalar type, and for lists of such objects: a listing of 200 entries x 8 fields
spent most of its GraphQL time building a resolve info, a path and a completion chain per item
and per field, none of which a plain attribute needs.

The fast path is taken only when it cannot differ from the general one: every selected field
is strawberry's default attribute resolver (no resolver function, no permission, no exception
handler), takes no arguments, returns a scalar or enum, and no extension wraps resolvers. A
value the fast path cannot complete exactly as graphql-core would (null in a non-null field,
an awaitable, an exception, a value the scalar refuses, an attribute that cannot be read)
sends the object, or the whole list, back through the general path, which reports it as usual;
reading attributes again has no side effect. A list takes the fast path only when it is a list
or tuple (read twice safely), its items are objects of a type with no ``is_type_of`` check,
and no ``@defer``/``@stream`` applies.

A field with a resolver whose value its source may already hold (``known_as``: a page of
towns read with their provisioning steps) is read as that attribute when it is set; when it
is not, the object goes through the general path, which runs the resolver.

A plain attribute may also hold an object, or a list of objects, whose own selection is plain
by the same rules (an agenda's events, each with its town and its people): it is completed
within its parent's fast path, under the same conditions (no directive on the field, no
deferred fragment in its selection), and anything the nested path cannot complete sends the
parent back through the general path.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time
from decimal import Decimal
from functools import partial
from operator import attrgetter
from typing import Any, ClassVar

from graphql.execution import executor as graphql_executor
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from graphql import (
    GraphQLBoolean,
    GraphQLField,
    GraphQLID,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLString,
    Undefined,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)

# (response name, read the value from the source, coerce it for output, non-null, the one
# Python type the scalar's coercion returns unchanged, if any; or, for a field holding objects,
# what completes every source's value at once: the list, or None for the general path)
_Nested = Callable[[list[Any]], list[Any] | None]
_Step = tuple[str, Callable[[Any], Any], Callable[[Any], Any], bool, type | None, _Nested | None]
_Plan = tuple[_Step, ...]
# graphql-core's String and ID return a str as it is, Boolean a bool: no call needed for them
_UNCHANGED = ((GraphQLString, str), (GraphQLID, str), (GraphQLBoolean, bool))


async def gather_settled(*awaitables: Awaitable[Any]) -> list[Any]:
    """The fields' values once every one of them has finished; the first failure is raised.

    graphql-core 3.3 gathers an object's fields with ``gather_with_cancel``: when one fails,
    its siblings are cancelled wherever they are. Here they share the request's database
    session, and a statement cancelled halfway makes SQLAlchemy terminate the connection:
    the session then failed when it was closed ("Cannot operate on a closed database" on
    SQLite, a reset connection on PostgreSQL). A sibling is a few milliseconds of work, or
    a backend call bounded by its own timeout, so it is let finish instead."""
    results = await asyncio.gather(*awaitables, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


# graphql-core's executor looks this name up in its module on every call
setattr(graphql_executor, "gather_with_cancel", gather_settled)  # noqa: B010


class HubExecutor(StrawberryGraphQLCoreExecutionContext):
    quiet: ClassVar[bool] = False
    """No suggestion ("Did you mean …?") in errors about variables' values and enum values."""

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        if cls.quiet:
            kwargs["hide_suggestions"] = True
        return super().build(*args, **kwargs)

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
        plan = self._plan_of(parent_type, grouped_field_set)
        if plan is not None and not isinstance(source_value, Exception):
            results = _complete_plain(plan, source_value, self.is_awaitable)
            if results is not None:
                return results
        return super().execute_fields(
            parent_type, source_value, path, grouped_field_set, position_context
        )

    def complete_iterable_value(
        self,
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        items: Any,
        position_context: Any,
    ) -> AwaitableOrValue[list[Any]]:
        if isinstance(items, list | tuple):
            non_null = is_non_null_type(item_type)
            object_type = item_type.of_type if non_null else item_type  # type: ignore[union-attr]
            plan = self._list_plan(object_type, field_details_list, path)
            if plan is not None:
                completed = _complete_items(plan, items, non_null, self.is_awaitable)
                if completed is not None:
                    return completed
        return super().complete_iterable_value(
            item_type, field_details_list, info, path, items, position_context
        )

    def _list_plan(
        self, object_type: Any, field_details_list: FieldDetailsList, path: Path
    ) -> _Plan | None:
        if not is_object_type(object_type) or object_type.is_type_of is not None:
            return None
        if self.get_stream_usage(field_details_list, path) is not None:
            return None
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(
            object_type, field_details_list
        )
        if new_defer_usages:
            return None
        return self._plan_of(object_type, grouped_field_set)

    def _plan_of(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> _Plan | None:
        found = self._plans.get(id(grouped_field_set))
        if found is None or found[0] is not grouped_field_set:
            found = (grouped_field_set, self._plan(parent_type, grouped_field_set))
            self._plans[id(grouped_field_set)] = found
        return found[1]

    def _plan(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> _Plan | None:
        manager = self.middleware_manager
        if manager is not None and manager.middlewares:
            return None
        steps: list[_Step] = []
        for response_name, details in fields.items():
            node = details[0].node
            name = node.name.value
            if name == "__typename":
                steps.append((response_name, _constant(parent_type.name), str, True, None, None))
                continue
            field = self.schema.get_field(parent_type, name)
            if field is None or field.args or any(d.node.arguments for d in details):
                return None
            resolve = field.resolve
            non_null = is_non_null_type(field.type)
            known = _known_attribute(field) if non_null else None
            read: Callable[[Any], Any]
            if known is not None:
                read = attrgetter(known)
            elif resolve is not None and getattr(resolve, "_is_default", False):
                read = _reader(field, resolve)
            else:
                return None
            leaf = field.type.of_type if non_null else field.type  # type: ignore[union-attr]
            if not is_leaf_type(leaf):
                nested = self._nested(leaf, details, non_null)
                if nested is None:
                    return None
                steps.append((response_name, read, str, non_null, None, nested))
                continue
            steps.append(
                (
                    response_name,
                    read,
                    leaf.coerce_output_value,
                    non_null,
                    _unchanged(leaf),
                    None,
                )
            )
        return tuple(steps)

    def _nested(self, output: Any, details: FieldDetailsList, non_null: bool) -> _Nested | None:
        """How to complete a plain field holding an object or a list of objects, if their
        selection is plain too; None sends the parent through the general path."""
        if any(detail.node.directives for detail in details):
            return None  # @stream, or anything else graphql-core would have to look at
        is_list = is_list_type(output)
        item_type = output.of_type if is_list else output
        item_non_null = is_non_null_type(item_type)
        object_type = item_type.of_type if item_non_null else item_type
        if not is_object_type(object_type) or object_type.is_type_of is not None:
            return None
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(object_type, details)
        if new_defer_usages:
            return None
        plan = self._plan_of(object_type, grouped_field_set)
        if plan is None:
            return None
        is_awaitable = self.is_awaitable
        if not is_list:
            return lambda values: _complete_items(plan, values, non_null, is_awaitable)
        return lambda values: _complete_lists(plan, values, non_null, item_non_null, is_awaitable)


KNOWN = "hub.known"


def known_as(attribute: str) -> dict[str, str]:
    """``strawberry.field(metadata=known_as("attribute"))``, on a non-null field that has a
    resolver: when the source's ``attribute`` is not None, it holds the field's value (read
    with the source, as a page of towns reads every town's steps at once) and the fast path
    reads it there; when it is None, the object goes through the general path and its
    resolver, which must then give what the attribute would have held."""
    return {KNOWN: attribute}


# each field is looked at once. A field is held weakly, and its entry leaves with it: a
# process serves one schema, but each app built (a test suite builds hundreds) has its own,
# and holding them kept hundreds of schemas alive. graphql-core's fields compare by value,
# so they cannot be the keys themselves.
_known: dict[int, tuple[weakref.ref[GraphQLField], str | None]] = {}


def _forget(key: int, ref: weakref.ref[GraphQLField]) -> None:
    found = _known.get(key)
    if found is not None and found[0] is ref:  # not a newer field given the same id
        del _known[key]


def _known_attribute(field: GraphQLField) -> str | None:
    found = _known.get(id(field))
    if found is not None and found[0]() is field:
        return found[1]
    attribute = None
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    # a field whose resolver something wraps (an extension, a permission) keeps the general path
    if isinstance(definition, StrawberryField) and not (
        definition.extensions or definition.permission_classes
    ):
        known = definition.metadata.get(KNOWN)
        attribute = known if isinstance(known, str) else None
    key = id(field)
    _known[key] = (weakref.ref(field, partial(_forget, key)), attribute)
    return attribute


def _unchanged(leaf: Any) -> type | None:
    for scalar, python_type in _UNCHANGED:
        if leaf is scalar:
            return python_type
    return None


def _constant(value: str) -> Callable[[Any], str]:
    return lambda _source: value


def _reader(field: GraphQLField, resolve: Callable[..., Any]) -> Callable[[Any], Any]:
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if isinstance(definition, StrawberryField) and definition.default_resolver is getattr:
        return attrgetter(definition.python_name)  # what the default resolver does, directly
    # strawberry's default resolver ignores its info argument
    return lambda source: resolve(source, None)


def _complete_items(
    plan: _Plan,
    items: list[Any] | tuple[Any, ...],
    non_null: bool,
    is_awaitable: Callable[[Any], bool],
) -> list[Any] | None:
    """The list's objects completed, or None when one needs the general path.

    Field by field across the items (one attribute of every item, then the next): a loop per
    field keeps the per-value work to a read and a type check."""
    completed: list[dict[str, Any] | None] = []
    sources: list[Any] = []
    targets: list[dict[str, Any]] = []
    for item in items:
        if item is None:
            if non_null:
                return None
            completed.append(None)
            continue
        if isinstance(item, Exception) or is_awaitable(item):
            return None
        results: dict[str, Any] = {}
        completed.append(results)
        sources.append(item)
        targets.append(results)
    for response_name, read, coerce, non_null_field, unchanged, nested in plan:
        try:
            values = list(map(read, sources))
        except Exception:
            return None
        if nested is not None:
            done = nested(values)
            if done is None:
                return None
            for results, value in zip(targets, done, strict=True):
                results[response_name] = value
            continue
        for results, value in zip(targets, values, strict=True):
            if type(value) is not unchanged:
                value = _coerced(value, coerce, non_null_field, is_awaitable)
                if value is _GENERAL:
                    return None
            results[response_name] = value
    return completed


def _complete_lists(
    plan: _Plan,
    values: list[Any],
    non_null: bool,
    item_non_null: bool,
    is_awaitable: Callable[[Any], bool],
) -> list[Any] | None:
    """Each source's list of objects completed, or None when one needs the general path."""
    completed: list[Any] = []
    for value in values:
        if value is None:
            if non_null:
                return None
            completed.append(None)
            continue
        if not isinstance(value, list | tuple):
            return None  # an iterable graphql-core would read once: its path reads it
        items = _complete_items(plan, value, item_non_null, is_awaitable)
        if items is None:
            return None
        completed.append(items)
    return completed


def _complete_plain(
    plan: _Plan, source: Any, is_awaitable: Callable[[Any], bool]
) -> dict[str, Any] | None:
    """The object's fields, or None when one needs the general path."""
    completed = _complete_items(plan, (source,), True, is_awaitable)
    return None if completed is None else completed[0]


_GENERAL = object()
"""What ``_coerced`` gives for a value only graphql-core's general path may complete."""
# values of these types are never awaitable nor exceptions: no need to ask
_PLAIN = frozenset({str, int, float, bool, datetime, date, time, Decimal})


def _coerced(
    value: Any, coerce: Callable[[Any], Any], non_null: bool, is_awaitable: Callable[[Any], bool]
) -> Any:
    if value is None:
        return _GENERAL if non_null else None
    if type(value) not in _PLAIN and (isinstance(value, Exception) or is_awaitable(value)):
        return _GENERAL
    try:
        coerced = coerce(value)
    except Exception:
        return _GENERAL
    if coerced is None or coerced is Undefined:
        return _GENERAL
    return coerced


class QuietExecutor(HubExecutor):
    """Production's: the schema's names are not hinted at to whoever sends a typo."""

    quiet = True
