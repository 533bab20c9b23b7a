"""The schema: each domain's Query and Mutation merged, with its limits and caches."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from graphql import GraphQLError
from hub.agenda.resolvers import AgendaMutation, AgendaQuery
from hub.allocation.resolvers import AllocationQuery
from hub.audit.resolvers import AuditQuery
from hub.drift.resolvers import DriftMutation, DriftQuery
from hub.feeds.resolvers import FeedMutation, FeedQuery
from hub.files.resolvers import FilesMutation, FilesQuery
from hub.gql import scalars
from hub.gql.executor import HubExecutor, QuietExecutor
from hub.gql.limits import DocumentChecks, Documents, QueryLimits
from hub.handover.resolvers import HandoverMutation, HandoverQuery
from hub.people.resolvers import PeopleMutation, PeopleQuery
from hub.privacy.resolvers import PrivacyMutation, PrivacyQuery
from hub.towns.resolvers import TownMutation, TownQuery

Query = merge_types(
    "Query",
    (
        PeopleQuery,
        TownQuery,
        FilesQuery,
        AgendaQuery,
        AllocationQuery,
        AuditQuery,
        FeedQuery,
        PrivacyQuery,
        DriftQuery,
        HandoverQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        TownMutation,
        PeopleMutation,
        FilesMutation,
        AgendaMutation,
        FeedMutation,
        PrivacyMutation,
        DriftMutation,
        HandoverMutation,
    ),
)


class HubSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # hub.gql.errors logs what deserves it when it codes the errors; expected ones are not
        # log noise.
        return None


def build_schema(*, production: bool, limits: QueryLimits | None = None) -> strawberry.Schema:
    """The schema with its limits (``hub.gql.limits``): each query text is checked once, off
    the event loop, and remembered; in production without introspection or suggestions."""
    documents = Documents(limits or QueryLimits(), production=production)
    extensions: list[Callable[[], SchemaExtension]] = [partial(DocumentChecks, documents)]
    return HubSchema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        execution_context_class=QuietExecutor if production else HubExecutor,
        config=StrawberryConfig(disable_field_suggestions=production),
        scalar_overrides={datetime: scalars.DateTime},
    )
