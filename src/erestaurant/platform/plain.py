"""The hot statements run on the plain driver: compiled by SQLAlchemy once, executed without it.

Once the hot statements were built once (statements.py), what was left of SQLAlchemy's
share of the services' CPU was its execution of them: finding the compiled form, building
the parameters, the execution context, the result objects, the hop into a greenlet. That
was 35-55% of each service's samples at 50 orders/s (py-spy, docs/performance.md), for
statements whose work in SQLite is a few microseconds.

So a hot statement is compiled by SQLAlchemy, for the connection's dialect, once per shape
of its parameters (which columns an INSERT or an UPDATE's SET is given, one row or many).
A call runs the compiled SQL on the driver's own connection, inside the transaction that
SQLAlchemy began, with each value passed through the bind processor SQLAlchemy would have
applied, and each column of a row through its result processor. The SQL, the types and
the transaction are SQLAlchemy's; only the execution is skipped. A driver error becomes
the SQLAlchemy exception it would have raised (an ``IntegrityError`` for a taken key).

This is done on SQLite (the default store, run on the loop's thread by sqlite_inline).
Elsewhere, and for any statement whose compiled form needs what only SQLAlchemy's
execution does (Python-side column defaults, expanding ``IN`` lists), the statement goes
through SQLAlchemy as before, with the same answer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Executable, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Insert

from erestaurant.platform import sqlite_inline

Parameters = Mapping[str, Any]
Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class Rows:
    """What a hot statement gave: the rows it read, as mappings; for a one-row INSERT the
    key of the new row (as SQLAlchemy's ``inserted_primary_key``)."""

    rows: list[Mapping[str, Any]]
    inserted_primary_key: tuple[Any, ...] = ()

    def first(self) -> Mapping[str, Any] | None:
        return self.rows[0] if self.rows else None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # Positional parameters: the name each comes from and what binds its value.
    names: tuple[str, ...]
    binds: tuple[Processor, ...]
    # The columns of a row it reads, and what reads each value.
    columns: tuple[str, ...]
    results: tuple[Processor, ...]
    # For a one-row INSERT: each key column's name, to find the new row's key.
    key_columns: tuple[str, ...]


# Only the statements built once (statements.py) are run here, a few dozen in all, so
# this never grows past them; None marks a shape SQLAlchemy must execute itself.
_COMPILED: dict[tuple[Executable, str, tuple[str, ...], bool], _Compiled | None] = {}


async def execute(
    conn: AsyncConnection,
    statement: Executable,
    parameters: Parameters | Sequence[Parameters],
) -> Rows:
    """Run ``statement`` (built once, see statements.py) with ``parameters`` (a mapping, or
    a list of them for many rows) in ``conn``'s transaction."""
    rows: Sequence[Parameters]
    if isinstance(parameters, Mapping):
        rows, many = [parameters], False
    else:
        rows, many = parameters, True
    driver = _sqlite(conn)
    if driver is not None and rows:
        compiled = _compiled(statement, conn.dialect, tuple(sorted(rows[0])), many)
        if compiled is not None:
            return await _run(driver, compiled, rows, many)
    result = await conn.execute(statement, parameters)
    if not many and isinstance(statement, Insert):
        # PostgreSQL returns the new key as a row of its own (implicit RETURNING).
        return Rows([], tuple(result.inserted_primary_key or ()))
    if result.returns_rows:
        return Rows([dict(row._mapping) for row in result])
    return Rows([])


def _sqlite(conn: AsyncConnection) -> sqlite3.Connection | None:
    sync = conn.sync_connection
    # An invalidated connection is reopened by SQLAlchemy's own execution, not here.
    if conn.dialect.name != "sqlite" or sync is None or sync.invalidated or sync.closed:
        return None
    return sqlite_inline.under(sync.connection)


def _compiled(
    statement: Executable, dialect: Dialect, keys: tuple[str, ...], many: bool
) -> _Compiled | None:
    shape = (statement, dialect.name, keys, many)
    if shape not in _COMPILED:
        _COMPILED[shape] = _compile(statement, dialect, keys, many)
    return _COMPILED[shape]


def _compile(
    statement: Executable, dialect: Dialect, keys: tuple[str, ...], many: bool
) -> _Compiled | None:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys), for_executemany=many)  # type: ignore[attr-defined]
    assert isinstance(compiled, SQLCompiler)
    if (
        compiled.insert_prefetch
        or compiled.update_prefetch
        or compiled.literal_execute_params
        or compiled.post_compile_params
        or compiled.positiontup is None
    ):
        return None
    names = tuple(compiled.positiontup)
    processors = compiled._bind_processors
    key_columns: tuple[str, ...] = ()
    if isinstance(statement, Insert) and not many:
        key_columns = tuple(column.key for column in statement.table.primary_key)
    return _Compiled(
        sql=compiled.string,
        names=names,
        binds=tuple(processors.get(name) for name in names),  # type: ignore[misc]
        columns=tuple(column.keyname for column in compiled._result_columns),
        results=tuple(
            column.type._cached_result_processor(dialect, None)
            for column in compiled._result_columns
        ),
        key_columns=key_columns,
    )


def _values(compiled: _Compiled, row: Parameters) -> tuple[Any, ...]:
    values = []
    for name, bind in zip(compiled.names, compiled.binds, strict=True):
        value = row[name]
        values.append(value if bind is None or value is None else bind(value))
    return tuple(values)


async def _run(
    driver: sqlite3.Connection, compiled: _Compiled, rows: Sequence[Parameters], many: bool
) -> Rows:
    values = [_values(compiled, row) for row in rows]
    try:
        if many:
            await sqlite_inline.until_not_busy(lambda: driver.executemany(compiled.sql, values))
            return Rows([])
        cursor = await sqlite_inline.until_not_busy(lambda: driver.execute(compiled.sql, values[0]))
        found = cursor.fetchall() if compiled.columns else []
    except sqlite3.Error as error:
        raise exc.DBAPIError.instance(
            compiled.sql, values, error, sqlite3.Error, dialect=None
        ) from error
    if compiled.key_columns:
        given = rows[0]
        key = tuple(given.get(name, cursor.lastrowid) for name in compiled.key_columns)
        return Rows([], key)
    return Rows([_mapped(compiled, row) for row in found])


def _mapped(compiled: _Compiled, row: Sequence[Any]) -> dict[str, Any]:
    return {
        name: value if read is None else read(value)
        for name, value, read in zip(compiled.columns, row, compiled.results, strict=True)
    }
