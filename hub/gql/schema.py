"""The schema: each domain's Query and Mutation merged, with caches and limits on."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from graphql import GraphQLError
from hub.agenda.resolvers import AgendaMutation, AgendaQuery
from hub.allocation.resolvers import AllocationQuery
from hub.audit.resolvers import AuditQuery
from hub.feeds.resolvers import FeedMutation, FeedQuery
from hub.files.resolvers import FilesMutation, FilesQuery
from hub.gql.executor import HubExecutor
from hub.people.resolvers import PeopleMutation, PeopleQuery
from hub.towns.resolvers import TownMutation, TownQuery

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2000

Query = merge_types(
    "Query",
    (PeopleQuery, TownQuery, FilesQuery, AgendaQuery, AllocationQuery, AuditQuery, FeedQuery),
)
Mutation = merge_types(
    "Mutation", (TownMutation, PeopleMutation, FilesMutation, AgendaMutation, FeedMutation)
)


class HubSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # hub.gql.errors logs what deserves it when it codes the errors; expected ones are not
        # log noise.
        return None


def build_schema(*, production: bool) -> strawberry.Schema:
    # The limiters' rule classes are built once here: built per request (as the limiter
    # factories do), every request's rule tuple differs, so the validation cache never hits
    # and keeps filling with one-off entries.
    limits = [
        *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
        *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
    ]
    extensions: list[Callable[[], SchemaExtension]] = [
        partial(ParserCache, maxsize=512),
        partial(ValidationCache, maxsize=512),
        partial(AddValidationRules, limits),
        partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
    ]
    if production:
        extensions.append(DisableIntrospection)
    return HubSchema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        execution_context_class=HubExecutor,
        config=StrawberryConfig(disable_field_suggestions=production),
    )
