"""Small reads that every request makes, in one round trip to the database driver.

Authentication, the caller's memberships and opening a workspace run on every request.
Through SQLAlchemy each such query cost more than the request's own work:

- on aiosqlite, four hops to the driver's thread (cursor, execute, fetchall, close) and the
  Core execution layer around them (~0.45 ms), where ``execute_fetchall`` runs the same
  statement in one hop (~0.1 ms);
- on asyncpg, the adapter opens a transaction before the first statement (a ``BEGIN``
  round trip, and a ``ROLLBACK`` one when the request ends) and goes through its cursor
  emulation, where the driver's own ``fetch`` of a statement it keeps prepared is one round
  trip. A request that only reads (``me``, a listing) then opens no transaction at all:
  at PostgreSQL's READ COMMITTED each statement saw its own snapshot anyway.

So the statement, still built with SQLAlchemy and compiled once per dialect, goes straight to
the driver on the session's own connection (inside the session's transaction when a mutation
has begun one, so it sees the request's own writes), and its columns are converted by their
SQLAlchemy types' own result processors, so callers get the same values either way (a test
compares them with SQLAlchemy's on both databases). Other drivers go through SQLAlchemy.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Dialect,
    Select,
    String,
    any_,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.types import TypeEngine

_Processor = Callable[[Any], Any] | None
_Compiled = tuple[str, tuple[str, ...], tuple[_Processor, ...]]
_compiled: dict[tuple[int, str], tuple[Select[*tuple[Any, ...]], _Compiled]] = {}


async def fetch_rows(
    session: AsyncSession, statement: Select[*tuple[Any, ...]], params: Mapping[str, Any]
) -> Sequence[tuple[Any, ...]]:
    """The rows of ``statement`` (a module-level constant with ``bindparam`` names), whose
    parameters are plain values (strings, numbers; a list for an ``= ANY`` array on
    PostgreSQL) bound as they are."""
    connection = await session.connection()
    dialect = connection.dialect
    if dialect.driver not in ("aiosqlite", "asyncpg"):
        return [tuple(row) for row in await connection.execute(statement, params)]
    sql, names, processors = _compile(statement, dialect)
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    values = [params[name] for name in names]
    if dialect.driver == "asyncpg":
        rows: Sequence[Sequence[Any]] = await driver.fetch(sql, *values)
    else:
        rows = await driver.execute_fetchall(sql, values)
    return [
        tuple(
            value if convert is None else convert(value)
            for value, convert in zip(row, processors, strict=True)
        )
        for row in rows
    ]


def _processor(column_type: TypeEngine[Any], dialect: Dialect) -> _Processor:
    try:
        return column_type.dialect_impl(dialect).result_processor(dialect, None)
    except (TypeError, InvalidRequestError):
        # asyncpg's numeric types choose by the column's type code; the driver already gives
        # a float column as a float, which is all the hub reads
        return None


def _compile(statement: Select[*tuple[Any, ...]], dialect: Dialect) -> _Compiled:
    key = (id(statement), dialect.name)
    found = _compiled.get(key)
    if found is not None and found[0] is statement:
        return found[1]
    compiled = statement.compile(dialect=dialect)
    processors = tuple(_processor(column.type, dialect) for column in statement.selected_columns)
    result = (compiled.string, tuple(compiled.positiontup or ()), processors)
    _compiled[key] = (statement, result)
    return result


class ByKeys:
    """A prebuilt read of the rows whose ``key`` column is one of a list: one statement
    whatever the list's length, so the driver keeps it prepared (``IN (…)`` would be a new
    statement for every length) — ``= ANY($1)`` with an array on PostgreSQL, ``IN (SELECT
    value FROM json_each(?))`` with a JSON list on SQLite. ``build`` makes the statement
    from the condition on the key."""

    def __init__(
        self,
        key: InstrumentedAttribute[str],
        build: Callable[[ColumnElement[bool]], Select[*tuple[Any, ...]]],
    ) -> None:
        self._key = key
        self._build = build
        self._by_dialect: dict[str, Select[*tuple[Any, ...]]] = {}

    async def rows(self, session: AsyncSession, keys: Sequence[str]) -> Sequence[tuple[Any, ...]]:
        key = self._key
        connection = await session.connection()
        name = connection.dialect.name
        statement = self._by_dialect.get(name)
        if statement is None:
            if name == "postgresql":
                condition = key == any_(bindparam("keys", type_=ARRAY(String)))
            else:
                listed: Select[Any] = select(literal_column("value")).select_from(
                    func.json_each(bindparam("keys", type_=String))
                )
                condition = key.in_(listed.scalar_subquery())
            statement = self._by_dialect[name] = self._build(condition)
        values: object = list(keys) if name == "postgresql" else json.dumps(list(keys))
        return await fetch_rows(session, statement, {"keys": values})
