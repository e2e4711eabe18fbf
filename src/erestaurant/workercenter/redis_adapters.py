"""Workercenter's my pages in Redis: the same repository as adapters.py, on another store.

Layout, under the store's prefix:

- ``mypage:<order_id>``: a hash, one field per column of the SQL table; a column that is
  NULL there has no field here.
- ``employee:<card_no>``: a sorted set of the employee's order ids, scored by the row's
  ``updated_at`` (epoch seconds), so "newest first" is a reverse range.

An event may describe an order before anyone has said whose it is; the row enters its
employee's index on the save that first knows the card.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from redis.asyncio.client import Pipeline

from erestaurant.contracts.statuses import CookStatus, OrderStatus, PaymentStatus
from erestaurant.platform.domain import Duplicate
from erestaurant.platform.redis_store import RedisUnitOfWork, as_hash
from erestaurant.workercenter.domain import MyPageRow

_TEXT_FIELDS = ("employee_card_no", "menu_name")
_STATUS_FIELDS: dict[str, type[StrEnum]] = {
    "order_status": OrderStatus,
    "cook_status": CookStatus,
    "payment_status": PaymentStatus,
}
_INT_FIELDS = ("qty", "amount")


def encode_instant(instant: datetime) -> str:
    if instant.tzinfo is None:
        raise ValueError("naive datetime: give an aware UTC instant")
    return instant.astimezone(UTC).isoformat(timespec="microseconds")


def decode_instant(text: str) -> datetime:
    instant = datetime.fromisoformat(text)
    if instant.tzinfo is None:
        raise ValueError(f"instant without a time zone in the view: {text!r}")
    return instant.astimezone(UTC)


def instant_score(instant: datetime) -> float:
    """The sorted-set score of an instant: epoch seconds, exact to the microsecond."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: give an aware UTC instant")
    return instant.timestamp()


def encode_page(row: MyPageRow) -> dict[str, str]:
    """The hash of a row; a field that is None is left out."""
    fields = {
        "order_id": row.order_id,
        "updated_at": encode_instant(row.updated_at),
        "notified": "1" if row.notified else "0",
    }
    for name in (*_TEXT_FIELDS, *_STATUS_FIELDS):
        text: str | None = getattr(row, name)
        if text is not None:
            fields[name] = str(text)
    for name in _INT_FIELDS:
        number: int | None = getattr(row, name)
        if number is not None:
            fields[name] = str(number)
    return fields


def decode_page(fields: Mapping[str, str]) -> MyPageRow:
    """The row a hash holds; a field it does not know (a newer writer's) is ignored."""
    values: dict[str, Any] = {name: fields.get(name) for name in _TEXT_FIELDS}
    values.update(
        {name: kind(fields[name]) for name, kind in _STATUS_FIELDS.items() if name in fields}
    )
    values.update({name: int(fields[name]) for name in _INT_FIELDS if name in fields})
    return MyPageRow(
        order_id=fields["order_id"],
        updated_at=decode_instant(fields["updated_at"]),
        notified=fields.get("notified") == "1",
        **values,
    )


@dataclass(frozen=True)
class _Stored:
    """What a unit of work found under a row's key when it first looked: a row, and whose."""

    exists: bool
    card: str | None


class RedisMyPageRepository:
    def __init__(self, uow: RedisUnitOfWork) -> None:
        self._uow = uow
        self._store = uow.store
        # What each row's key held when this unit of work read it (then its own commits):
        # a row whose card changes leaves the old employee's index in the same commit.
        self._stored: dict[str, _Stored] = {}
        # Rows this unit of work saved: a later save replaces them, as an UPDATE would.
        self._saved: set[str] = set()

    def _page(self, order_id: str) -> str:
        return self._store.key("mypage", order_id)

    def _employee(self, card_no: str) -> str:
        return self._store.key("employee", card_no)

    async def get(self, order_id: str) -> MyPageRow | None:
        key = self._page(order_id)
        await self._uow.watch(key)
        fields = _text(await self._uow.pipeline.hgetall(key))
        row = decode_page(fields) if fields else None
        card = None if row is None else row.employee_card_no
        self._stored[order_id] = _Stored(row is not None, card)
        return row

    async def of_employee(self, employee_card_no: str, limit: int) -> list[MyPageRow]:
        if limit < 1:
            return []
        client = self._store.client
        order_ids = await client.zrevrange(self._employee(employee_card_no), 0, limit - 1)
        if not order_ids:
            return []
        # Nothing is written here, so no WATCH: one MULTI reads the rows as of one instant.
        async with client.pipeline(transaction=True) as pipeline:
            for order_id in order_ids:
                pipeline.hgetall(self._page(str(order_id)))
            hashes: list[Any] = await pipeline.execute()
        rows = [decode_page(_text(fields)) for fields in hashes if fields]
        # A row may have moved between reading the index and reading the rows.
        rows = [row for row in rows if row.employee_card_no == employee_card_no]
        rows.sort(key=lambda row: row.updated_at, reverse=True)
        return rows

    async def save(self, row: MyPageRow, *, new: bool) -> None:
        key = self._page(row.order_id)
        before = await self._before(row.order_id)
        if new and before.exists:
            raise Duplicate(f"mypages: order {row.order_id} is already in the view")
        if not new and not before.exists and row.order_id not in self._saved:
            return  # as an UPDATE that matches no row
        self._saved.add(row.order_id)
        card = row.employee_card_no
        fields = encode_page(row)
        score = instant_score(row.updated_at)
        order_id = row.order_id

        def write(pipeline: Pipeline) -> None:
            # Replaced whole, as the SQL update sets every column.
            pipeline.delete(key)
            pipeline.hset(key, mapping=as_hash(fields))
            if before.card is not None and before.card != card:
                pipeline.zrem(self._employee(before.card), order_id)
            if card is not None:
                pipeline.zadd(self._employee(card), {order_id: score})
            # Learnt at commit, not at save: a save rolled back leaves the index as it was.
            self._stored[order_id] = _Stored(True, card)

        self._uow.stage(write)

    async def _before(self, order_id: str) -> _Stored:
        """What the row's key holds; saved without a get(), it is watched and read now."""
        if order_id not in self._stored:
            key = self._page(order_id)
            await self._uow.watch(key)
            card = await self._uow.pipeline.hget(key, "employee_card_no")
            exists = card is not None or bool(await self._uow.pipeline.exists(key))
            self._stored[order_id] = _Stored(exists, None if card is None else str(card))
        return self._stored[order_id]


class RedisWorkercenterUnitOfWork(RedisUnitOfWork):
    mypages: RedisMyPageRepository

    def _open_repositories(self) -> None:
        self.mypages = RedisMyPageRepository(self)


def _text(fields: Mapping[Any, Any]) -> dict[str, str]:
    return {str(name): str(value) for name, value in fields.items()}
