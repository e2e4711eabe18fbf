"""Workercenter's table, repository and unit of work in SQL (SQLAlchemy Core, engine-neutral).

The view publishes nothing, so it has an inbox and no outbox.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Integer, String, Table, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from erestaurant.platform.db import UTCDateTime
from erestaurant.platform.repository import SqlRepository, from_row, to_row
from erestaurant.platform.tables import ServiceTables
from erestaurant.platform.uow import SqlUnitOfWork
from erestaurant.workercenter.domain import MyPageRow

TABLES = ServiceTables(publishes=False)

mypages = Table(
    "mypages",
    TABLES.metadata,
    Column("order_id", String(64), primary_key=True),
    Column("employee_card_no", String(32), nullable=True, index=True),
    Column("menu_name", String(100), nullable=True),
    Column("qty", Integer, nullable=True),
    Column("amount", Integer, nullable=True),
    Column("order_status", String(16), nullable=True),
    Column("cook_status", String(16), nullable=True),
    Column("payment_status", String(16), nullable=True),
    Column("notified", Boolean, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)


class MyPageRepository(SqlRepository):
    async def get(self, order_id: str) -> MyPageRow | None:
        return await self._one(MyPageRow, mypages, mypages.c.order_id == order_id)

    async def of_employee(self, employee_card_no: str, limit: int) -> list[MyPageRow]:
        query = (
            select(mypages)
            .where(mypages.c.employee_card_no == employee_card_no)
            .order_by(mypages.c.updated_at.desc())
            .limit(limit)
        )
        return [from_row(MyPageRow, row._mapping) for row in await self._conn.execute(query)]

    async def save(self, row: MyPageRow, *, new: bool) -> None:
        if new:
            await self._insert(mypages, to_row(row, mypages))
            return
        values = to_row(row, mypages, without=("order_id",))
        await self._conn.execute(
            update(mypages).where(mypages.c.order_id == row.order_id).values(**values)
        )


class SqlWorkercenterUnitOfWork(SqlUnitOfWork):
    mypages: MyPageRepository

    def _open_repositories(self, connection: AsyncConnection) -> None:
        self.mypages = MyPageRepository(connection)
