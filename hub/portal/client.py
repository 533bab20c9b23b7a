"""The portal as a GraphQL client: named operations from ``graphql/operations/portal/``,
executed in-process through the hub's schema for the signed-in person.

Going through the schema (not the services) keeps one set of rules: the portal sees and may
change exactly what the API lets that person see and change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from strawberry.schema.base import BaseSchema

from hub.gql.context import Context
from hub.gql.errors import with_code

# In a checkout, hub/portal/operations is a link to graphql/operations/portal (where the
# operations live beside the schema); a built wheel holds the files themselves.
OPERATIONS: Traversable = files("hub.portal") / "operations"


@dataclass(frozen=True)
class Problem:
    """One GraphQL error, as the API codes it."""

    code: str
    message: str
    field: str | None = None


@dataclass(frozen=True)
class Answer:
    data: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def codes(self) -> set[str]:
        return {problem.code for problem in self.problems}


@cache
def operation(name: str) -> str:
    """The text of ``<name>.graphql``; read once per process."""
    return (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")


class PortalClient:
    def __init__(self, schema: BaseSchema) -> None:
        self.schema = schema

    async def execute(
        self, context: Context, name: str, variables: dict[str, Any] | None = None
    ) -> Answer:
        result = await self.schema.execute(
            operation(name),
            variable_values=variables or {},
            context_value=context,
            operation_name=name,
        )
        problems = []
        for error in result.errors or []:
            coded = with_code(error)
            extensions = coded.extensions or {}
            problems.append(
                Problem(
                    code=str(extensions.get("code", "INTERNAL")),
                    message=coded.message,
                    field=str(extensions["field"]) if "field" in extensions else None,
                )
            )
        return Answer(result.data or {}, problems)
