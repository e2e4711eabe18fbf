"""Workercenter's table and repository in SQL (SQLAlchemy Core, engine-neutral).

The view publishes nothing, so it has an inbox and no outbox.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, Integer, String, Table, select, update

from erestaurant.platform.db import UTCDateTime
from erestaurant.platform.repository import SqlRepository
from erestaurant.platform.tables import ServiceTables
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
        row = (
            await self._conn.execute(
                select(mypages).where(mypages.c.order_id == order_id).with_for_update()
            )
        ).first()
        return None if row is None else MyPageRow(**row._mapping)

    async def of_employee(self, employee_card_no: str, limit: int) -> list[MyPageRow]:
        query = (
            select(mypages)
            .where(mypages.c.employee_card_no == employee_card_no)
            .order_by(mypages.c.updated_at.desc())
            .limit(limit)
        )
        return [MyPageRow(**row._mapping) for row in await self._conn.execute(query)]

    async def save(self, row: MyPageRow, *, new: bool) -> None:
        values = _values(row)
        if new:
            await self._insert(mypages, values)
        else:
            del values["order_id"]
            await self._conn.execute(
                update(mypages).where(mypages.c.order_id == row.order_id).values(**values)
            )


def _values(row: MyPageRow) -> dict[str, Any]:
    values = dict(row.__dict__)
    del values["changed"]
    return values
