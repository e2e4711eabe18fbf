"""The hot statements, each built once per table and shape, then run with parameters.

Built at each call, a statement cost more CPU than running it: ``values()`` coerces every
column, and SQLAlchemy walks the new statement for its cache key before it finds the
compiled form (about 50 us against a 2-3 us statement on SQLite, docs/performance.md). A
statement built once keeps its cache key, so a call binds parameters and runs. Values
always travel as parameters, never inside the statement, so one statement serves every
row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Insert,
    Select,
    Table,
    Update,
    and_,
    bindparam,
    func,
)
from sqlalchemy import insert as sql_insert
from sqlalchemy import select as sql_select
from sqlalchemy import update as sql_update

S = TypeVar("S", Insert, Select[Any], Update)
_BUILT = "erestaurant.statements"
# Where-clause parameters are named apart from columns: an UPDATE's SET takes the
# parameters that are named as columns.
_KEY = "key_"
_ONE_OF = "one_of_"
COUNTED = "counted"


def built(table: Table, shape: tuple[object, ...], build: Callable[[], S]) -> S:
    """The statement of ``shape`` on ``table``, built the first time it is asked for."""
    statements: dict[tuple[object, ...], Any] = table.info.setdefault(_BUILT, {})
    statement = statements.get(shape)
    if statement is None:
        statement = statements[shape] = build()
    return statement


def _where(table: Table, columns: Sequence[str]) -> ColumnElement[bool]:
    return and_(*(table.c[name] == bindparam(_KEY + name) for name in columns))


def key_parameters(key: Mapping[str, object]) -> dict[str, object]:
    """The parameters of a statement built ``by`` the columns of ``key``."""
    return {_KEY + name: value for name, value in key.items()}


def insert(table: Table) -> Insert:
    """INSERT into ``table``: the columns are those of the parameters it runs with."""
    return built(table, ("insert",), lambda: sql_insert(table))


def select_by(table: Table, columns: tuple[str, ...], *, lock: bool) -> Select[Any]:
    """SELECT the rows of ``table`` whose ``columns`` equal the parameters of the same
    names (``key_parameters``); with ``lock``, FOR UPDATE."""

    def build() -> Select[Any]:
        query = sql_select(table).where(_where(table, columns))
        return query.with_for_update() if lock else query

    return built(table, ("select", columns, lock), build)


def update_by(table: Table, columns: tuple[str, ...]) -> Update:
    """UPDATE the rows of ``table`` whose ``columns`` equal the key parameters; the SET
    clause holds the parameters named as columns."""
    return built(
        table, ("update", columns), lambda: sql_update(table).where(_where(table, columns))
    )


def count_in(table: Table, column: str, how_many: int) -> Select[Any]:
    """SELECT how many rows of ``table`` have ``column`` equal to one of ``how_many``
    values (``one_of_parameters``), as the column ``COUNTED``. The values are parameters
    of their own, not one expanding list, so that the plain driver runs it (plain.py)."""

    def build() -> Select[Any]:
        one_of: list[BindParameter[Any]] = [bindparam(f"{_ONE_OF}{n}") for n in range(how_many)]
        counted = func.count().label(COUNTED)
        return sql_select(counted).select_from(table).where(table.c[column].in_(one_of))

    return built(table, ("count", column, how_many), build)


def one_of_parameters(values: Sequence[object]) -> dict[str, object]:
    """The parameters of a statement built by ``count_in``."""
    return {f"{_ONE_OF}{n}": value for n, value in enumerate(values)}
