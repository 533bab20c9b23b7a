"""The checked-in SDL is the generated one, and every checked-in operation validates."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphql import parse, validate
from hub.gql.limits import Documents, QueryLimits
from hub.gql.schema import build_schema

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = sorted((ROOT / "graphql" / "operations").rglob("*.graphql"))


def test_checked_in_schema_is_not_stale() -> None:
    generated = build_schema(production=False).as_str() + "\n"
    checked_in = (ROOT / "graphql" / "schema.graphql").read_text(encoding="utf-8")

    assert checked_in == generated, "graphql/schema.graphql is stale: run `make schema`"


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: str(p.relative_to(ROOT)))
def test_operation_validates_against_the_schema(path: Path) -> None:
    schema = build_schema(production=False)._schema
    text = path.read_text(encoding="utf-8")

    errors = validate(schema, parse(text))
    # and within the limits production applies (depth, aliases, tokens, cost)
    checked = Documents(QueryLimits(), production=True).check_now(schema, text)

    assert errors == []
    assert checked.errors == ()


def test_there_are_operations_to_validate() -> None:
    assert OPERATIONS, "graphql/operations/ holds the operations clients send"
