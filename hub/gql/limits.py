"""What a GraphQL request may ask before anything runs, and checking it off the event loop.

Every query text is checked in this order: its length in characters (comments and spaces
count: the token limit does not see them, and lexing a 20 MB comment took 4 s), valid Unicode
in the text and in the variables (a lone surrogate cannot be stored or compared), then parsing
with the token limit and validation with the depth, alias and cost limits and, in production,
no introspection and no suggestions. The outcome (the document and its validation errors) is
remembered per query text, so a query the hub has seen costs a dictionary lookup; one it has
not seen is parsed and validated in a worker thread, and the event loop goes on serving other
requests meanwhile.
"""

from __future__ import annotations

import asyncio
import re
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    NoSchemaIntrospectionCustomRule,
    parse,
    specified_rules,
    validate,
)
from hub.config import Settings
from hub.errors import BadInput
from hub.gql.cost import limits_rule

# Lone surrogates: JSON can carry them ("\ud800"), UTF-8 (the databases, the backends) cannot.
_SURROGATE = re.compile("[\ud800-\udfff]")
# Remembered query texts, in characters: a 2 000-token document takes up to ~300 bytes of
# syntax tree per character, so this bounds the cache to tens of megabytes.
CACHE_CHARACTERS = 256 * 1024
CACHE_ENTRIES = 512
# Parsing and validating are CPU work holding the GIL: more threads would not go faster.
_WORKERS = 2
_pool: ThreadPoolExecutor | None = None


def _default(name: str) -> int:
    """The setting's default: one place for each limit's value."""
    value = Settings.model_fields[name].default
    assert isinstance(value, int)
    return value


@dataclass(frozen=True)
class QueryLimits:
    characters: int = _default("max_query_chars")
    tokens: int = _default("max_query_tokens")
    depth: int = _default("max_query_depth")
    aliases: int = _default("max_query_aliases")
    cost: int = _default("max_query_cost")

    @classmethod
    def of(cls, settings: Settings) -> QueryLimits:
        return cls(
            characters=settings.max_query_chars,
            tokens=settings.max_query_tokens,
            depth=settings.max_query_depth,
            aliases=settings.max_query_aliases,
            cost=settings.max_query_cost,
        )


@dataclass(frozen=True)
class Checked:
    """A query text's outcome: its document (None if it does not parse) and its errors."""

    document: DocumentNode | None
    errors: Sequence[GraphQLError]


class Documents:
    """Query texts checked against one schema's rules, the outcomes remembered (least
    recently used out, within ``CACHE_CHARACTERS`` and ``CACHE_ENTRIES``)."""

    def __init__(self, limits: QueryLimits, *, production: bool) -> None:
        self.limits = limits
        self.production = production
        rules: list[type[ASTValidationRule]] = [
            *specified_rules,
            MaybeNullValidationRule,
            OneOfInputValidationRule,
            limits_rule(limits.depth, limits.aliases, limits.cost),
        ]
        if production:
            rules.append(NoSchemaIntrospectionCustomRule)
        self.rules = tuple(rules)
        self._known: OrderedDict[str, Checked] = OrderedDict()
        self._characters = 0

    async def check(self, schema: GraphQLSchema, query: str) -> Checked:
        known = self._known.get(query)
        if known is not None:
            self._known.move_to_end(query)
            return known
        checked = await asyncio.get_running_loop().run_in_executor(
            _workers(), self.check_now, schema, query
        )
        self._remember(query, checked)
        return checked

    def check_now(self, schema: GraphQLSchema, query: str) -> Checked:
        try:
            document = parse(query, max_tokens=self.limits.tokens)
        except GraphQLError as error:
            return Checked(None, (error,))
        errors = validate(schema, document, self.rules, hide_suggestions=self.production)
        return Checked(document, tuple(errors))

    def _remember(self, query: str, checked: Checked) -> None:
        if query in self._known or len(query) > CACHE_CHARACTERS:
            return
        self._known[query] = checked
        self._characters += len(query)
        while self._characters > CACHE_CHARACTERS or len(self._known) > CACHE_ENTRIES:
            forgotten, _ = self._known.popitem(last=False)
            self._characters -= len(forgotten)


def _workers() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(_WORKERS, thread_name_prefix="graphql-check")
    return _pool


def check_text(query: str, variables: dict[str, Any] | None, limits: QueryLimits) -> None:
    """BAD_INPUT for a query longer than the limit or text that is not valid Unicode."""
    if len(query) > limits.characters:
        raise BadInput(
            f"The query has {len(query)} characters; the limit is {limits.characters} "
            "(HUB_MAX_QUERY_CHARS). Send variables instead of long literals."
        )
    if _SURROGATE.search(query):
        raise BadInput("The query contains a lone surrogate (\\ud800-\\udfff): not Unicode text.")
    for name, value in (variables or {}).items():
        if any(_SURROGATE.search(text) for text in _strings(value)):
            raise BadInput(
                f"'{name}' contains a lone surrogate (\\ud800-\\udfff): not Unicode text.",
                field=name,
            )


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


class DocumentChecks(SchemaExtension):
    """Replaces strawberry's parser and validation caches and its token limiter."""

    def __init__(self, documents: Documents) -> None:
        super().__init__()
        self.documents = documents
        self.errors: Sequence[GraphQLError] = ()

    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        if context.query is not None:
            check_text(context.query, context.variables, self.documents.limits)
            checked = await self.documents.check(context.schema._schema, context.query)
            if checked.document is None:  # a syntax error, raised afresh each time
                error = checked.errors[0]
                raise GraphQLError(error.message, source=error.source, positions=error.positions)
            context.graphql_document = checked.document
            self.errors = checked.errors
        yield

    def on_validate(self) -> Iterator[None]:
        # Strawberry validates again only when no errors are set: an empty list means valid.
        self.execution_context.pre_execution_errors = list(self.errors)
        yield
