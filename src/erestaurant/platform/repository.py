"""What every SQL repository shares: its transaction's connection, and the mapping between
an entity (a dataclass of the domain) and a row of its table.

A column and a field of the same name hold the same value; an enum is stored as its value
and read back as the enum the field is typed with. Fields with no column (an aggregate's
recorded events) are not stored.
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Table, insert, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from erestaurant.platform.domain import Duplicate

E = TypeVar("E")


class SqlRepository:
    """A repository on one unit of work's connection (``SqlUnitOfWork`` opens them)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def _insert(self, table: Table, values: Mapping[str, Any]) -> CursorResult[Any]:
        """INSERT one row; a key that is taken raises Duplicate, not the driver's error."""
        try:
            return await self._conn.execute(insert(table).values(**values))
        except IntegrityError as exc:
            raise Duplicate(f"{table.name}: a row with this key exists ({exc.orig})") from exc

    async def _one(
        self, kind: type[E], table: Table, where: ColumnElement[bool], *, lock: bool = True
    ) -> E | None:
        """The one row ``where`` says, as ``kind`` (None: no such row); with ``lock``, locked
        until commit (FOR UPDATE), so that a decision taken on it is not raced."""
        query = select(table).where(where)
        if lock:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        return None if row is None else from_row(kind, row._mapping)

    async def _update(
        self, table: Table, where: ColumnElement[bool], entity: object, columns: Iterable[str]
    ) -> None:
        """Write ``columns`` of the row ``where`` says from the entity's fields (no such
        row: nothing is written)."""
        values = to_row(entity, table)
        await self._conn.execute(update(table).where(where).values({c: values[c] for c in columns}))


def to_row(entity: object, table: Table, without: Iterable[str] = ()) -> dict[str, Any]:
    """The values of ``table``'s columns, read from the fields of the same name."""
    skipped = set(without)
    return {
        column.name: _stored(getattr(entity, column.name))
        for column in table.columns
        if column.name not in skipped and hasattr(entity, column.name)
    }


def from_row(kind: type[E], row: Mapping[Any, Any]) -> E:
    """The entity a row holds; a column the entity has no field for is left out."""
    fields = _fields(kind)
    values = {name: _read(fields[name], value) for name, value in row.items() if name in fields}
    return kind(**values)


def _read(kind: type[enum.Enum] | None, value: object) -> object:
    return value if kind is None or value is None else kind(value)


def _stored(value: object) -> object:
    return value.value if isinstance(value, enum.Enum) else value


_FIELDS: dict[type, dict[str, type[enum.Enum] | None]] = {}


def _fields(kind: type) -> dict[str, type[enum.Enum] | None]:
    """An entity's fields by name, each with the enum it is typed with (None: no enum)."""
    if kind not in _FIELDS:
        hints = typing.get_type_hints(kind)
        _FIELDS[kind] = {
            f.name: _enum_in(hints[f.name]) for f in dataclasses.fields(kind) if f.init
        }
    return _FIELDS[kind]


def _enum_in(hint: object) -> type[enum.Enum] | None:
    for candidate in (hint, *typing.get_args(hint)):
        if isinstance(candidate, type) and issubclass(candidate, enum.Enum):
            return candidate
    return None
