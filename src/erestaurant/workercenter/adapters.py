"""Workercenter's table, repository and unit of work in SQL (SQLAlchemy Core, engine-neutral).

The view publishes nothing, so it has an inbox and no outbox.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, String
from sqlalchemy.ext.asyncio import AsyncConnection

from erestaurant.platform.db import UTCDateTime, required
from erestaurant.platform.repository import SqlRepository, to_row
from erestaurant.platform.tables import ServiceTables
from erestaurant.platform.uow import SqlUnitOfWork
from erestaurant.workercenter.domain import MyPageRow

TABLES = ServiceTables(publishes=False)

mypages = TABLES.table(
    "mypages",
    Column("order_id", String(64), primary_key=True),
    Column("employee_card_no", String(32)),
    Column("menu_name", String(100)),
    Column("qty", Integer),
    Column("amount", Integer),
    Column("order_status", String(16)),
    Column("cook_status", String(16)),
    Column("payment_status", String(16)),
    required("notified", Boolean),
    required("updated_at", UTCDateTime),
    # An employee's page is their latest orders: read off this index in order, not sorted
    # from every order they ever placed.
    Index("ix_mypages_employee_card_no_updated_at", "employee_card_no", "updated_at"),
)


class MyPageRepository(SqlRepository):
    async def get(self, order_id: str) -> MyPageRow | None:
        return await self._one(MyPageRow, mypages, {"order_id": order_id})

    async def of_employee(self, employee_card_no: str, limit: int) -> list[MyPageRow]:
        mine = mypages.c.employee_card_no == employee_card_no
        return await self._latest(MyPageRow, mypages, mine, mypages.c.updated_at, limit)

    async def save(self, row: MyPageRow, *, new: bool) -> None:
        if new:
            await self._insert(mypages, to_row(row, mypages))
        else:
            key = {"order_id": row.order_id}
            await self._update(mypages, key, to_row(row, mypages, without=("order_id",)))


class SqlWorkercenterUnitOfWork(SqlUnitOfWork):
    mypages: MyPageRepository

    def _open_repositories(self, connection: AsyncConnection) -> None:
        self.mypages = MyPageRepository(connection)
