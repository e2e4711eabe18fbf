"""What every SQL repository shares: its transaction's connection, the queries they all
make (``SqlRepository``), the add, get and save of an entity kept a row each
(``KeyedRepository``), and the mapping between an entity (a dataclass of the domain) and a
row of its table.

A column and a field of the same name hold the same value; an enum is stored as its value
and read back as the enum the field is typed with. Fields with no column (an aggregate's
recorded events) are not stored.
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Column, ColumnElement, Select, Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from erestaurant.platform import plain, statements
from erestaurant.platform.db import inserted_id
from erestaurant.platform.domain import Duplicate

E = TypeVar("E")


class SqlRepository:
    """A repository on one unit of work's connection (``SqlUnitOfWork`` opens them)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def _insert(self, table: Table, values: Mapping[str, Any]) -> plain.Rows:
        """INSERT one row; a key that is taken raises Duplicate, not the driver's error."""
        try:
            return await plain.execute(self._conn, statements.insert(table), dict(values))
        except IntegrityError as exc:
            raise Duplicate(f"{table.name}: a row with this key exists ({exc.orig})") from exc

    async def _row(
        self, table: Table, key: Mapping[str, object], *, lock: bool
    ) -> Mapping[str, Any] | None:
        """The one row whose columns hold ``key``'s values (None: no such row); with
        ``lock``, locked until commit (FOR UPDATE), so that a decision taken on it is not
        raced."""
        query = statements.select_by(table, tuple(key), lock=lock)
        return (await plain.execute(self._conn, query, statements.key_parameters(key))).first()

    async def _one(
        self, kind: type[E], table: Table, key: Mapping[str, object], *, lock: bool = True
    ) -> E | None:
        """The one row ``key`` says (see ``_row``), as ``kind``."""
        row = await self._row(table, key, lock=lock)
        return None if row is None else from_row(kind, row)

    async def _all(self, kind: type[E], query: Select[Any]) -> list[E]:
        """Every row the query gives, as ``kind``."""
        return [from_row(kind, row._mapping) for row in await self._conn.execute(query)]

    async def _latest(
        self,
        kind: type[E],
        table: Table,
        where: ColumnElement[bool],
        newest: Column[Any],
        limit: int,
    ) -> list[E]:
        """Up to ``limit`` of the rows ``where`` says, as ``kind``, the greatest ``newest``
        first."""
        return await self._all(
            kind, select(table).where(where).order_by(newest.desc()).limit(limit)
        )

    async def _count(self, table: Table, column: str, one_of: Sequence[object]) -> int:
        """How many rows of ``table`` have ``column`` equal to one of ``one_of``."""
        query = statements.count_in(table, column, len(one_of))
        found = await plain.execute(self._conn, query, statements.one_of_parameters(one_of))
        row = found.first()
        assert row is not None  # a count always gives its row
        return int(row[statements.COUNTED])

    async def _update(
        self, table: Table, key: Mapping[str, object], values: Mapping[str, Any]
    ) -> None:
        """UPDATE the row ``key`` says with ``values`` (no such row: nothing is written)."""
        update = statements.update_by(table, tuple(key))
        await plain.execute(self._conn, update, {**values, **statements.key_parameters(key)})


class KeyedRepository(SqlRepository, Generic[E]):
    """The repository of one kind of entity (``kind``), kept a row each in the table of its
    key column (``key``). Its ``add`` is that of a ``NaturalKeyRepository`` or of a
    ``GeneratedKeyRepository``."""

    kind: type[E]
    key: ClassVar[Column[Any]]
    # The columns ``save`` writes, those that change once an entity is stored (None: every
    # one but the key); whether ``get`` locks what it reads unless told.
    saved: ClassVar[tuple[str, ...] | None] = None
    locks: ClassVar[bool] = True

    @property
    def _table(self) -> Table:
        return self.key.table

    async def get(self, value: object, *, for_update: bool | None = None) -> E | None:
        """The entity whose key is ``value`` (None: none), locked until commit (FOR UPDATE)
        if ``for_update``, or else if the repository ``locks``."""
        lock = self.locks if for_update is None else for_update
        return await self._one(self.kind, self._table, {self.key.name: value}, lock=lock)

    async def save(self, entity: E) -> None:
        """Write the entity's ``saved`` columns (an entity never added stays missing)."""
        values = to_row(entity, self._table, without=(self.key.name,))
        if self.saved is not None:
            values = {column: values[column] for column in self.saved}
        key = self.key.name
        await self._update(self._table, {key: getattr(entity, key)}, values)


class NaturalKeyRepository(KeyedRepository[E]):
    """Entities that bring their key (an order's id, a card's number)."""

    async def add(self, entity: E) -> None:
        """Store a new entity; Duplicate if its key is taken."""
        await self._insert(self._table, to_row(entity, self._table))


class GeneratedKeyRepository(KeyedRepository[E]):
    """Entities the database gives their key (an id that grows)."""

    async def add(self, entity: E) -> E:
        """Store a new entity; it is given its key, and returned."""
        values = to_row(entity, self._table, without=(self.key.name,))
        setattr(entity, self.key.name, inserted_id(await self._insert(self._table, values)))
        return entity


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
