"""Small reads that every request makes, in one round trip to the database driver.

Authentication and opening a workspace run on every file request. Through SQLAlchemy on
SQLite each such query cost ~0.45 ms: four hops to aiosqlite's thread (cursor, execute,
fetchall, close) and the Core execution layer around them, where aiosqlite's
``execute_fetchall`` runs the same statement in one hop (~0.1 ms, measured on the statement
that authenticates). So on aiosqlite the statement, still built with SQLAlchemy and compiled
once per dialect, goes straight to the driver on the session's own connection (same transaction,
same snapshot), and its columns are converted by their SQLAlchemy types' own result processors,
so callers get the same values either way. Other drivers go through SQLAlchemy as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Dialect, Select
from sqlalchemy.ext.asyncio import AsyncSession

_Processor = Callable[[Any], Any] | None
_Compiled = tuple[str, tuple[str, ...], tuple[_Processor, ...]]
_compiled: dict[tuple[int, str], tuple[Select[*tuple[Any, ...]], _Compiled]] = {}


async def fetch_rows(
    session: AsyncSession, statement: Select[*tuple[Any, ...]], params: Mapping[str, Any]
) -> Sequence[tuple[Any, ...]]:
    """The rows of ``statement`` (a module-level constant with ``bindparam`` names), whose
    parameters are plain values (strings, numbers) bound as they are."""
    connection = await session.connection()
    dialect = connection.dialect
    if dialect.driver != "aiosqlite":
        return [tuple(row) for row in await connection.execute(statement, params)]
    sql, names, processors = _compile(statement, dialect)
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    rows = await driver.execute_fetchall(sql, [params[name] for name in names])
    return [
        tuple(
            value if convert is None else convert(value)
            for value, convert in zip(row, processors, strict=True)
        )
        for row in rows
    ]


def _compile(statement: Select[*tuple[Any, ...]], dialect: Dialect) -> _Compiled:
    key = (id(statement), dialect.name)
    found = _compiled.get(key)
    if found is not None and found[0] is statement:
        return found[1]
    compiled = statement.compile(dialect=dialect)
    processors = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in statement.selected_columns
    )
    result = (compiled.string, tuple(compiled.positiontup or ()), processors)
    _compiled[key] = (statement, result)
    return result
