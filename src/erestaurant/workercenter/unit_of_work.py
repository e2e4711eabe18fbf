"""Workercenter's port: what its projections and routes need of the view's store.

The view lives in SQL (adapters.py) or in Redis (redis_adapters.py); handlers see no
difference. It publishes nothing, so its unit of work is a Transaction (an inbox record
and the change, committed together), with no ``emit``.
"""

from __future__ import annotations

from typing import Protocol

from erestaurant.platform.uow import Transaction
from erestaurant.workercenter.domain import MyPageRow


class MyPages(Protocol):
    async def get(self, order_id: str) -> MyPageRow | None:
        """The order's row (None if the view has none yet), held until the transaction ends:
        another writer of the row waits (SQL: FOR UPDATE) or fails this commit (Redis:
        WATCH, ConcurrentChange)."""
        ...

    async def of_employee(self, employee_card_no: str, limit: int) -> list[MyPageRow]:
        """The employee's rows, the last updated first, at most ``limit`` of them; a row
        whose card is not known yet is nobody's."""
        ...

    async def save(self, row: MyPageRow, *, new: bool) -> None:
        """Write every column of the row: ``new`` inserts it (a row of the order stored
        already raises Duplicate), else it replaces the stored row (none stored: nothing is
        written). Later units of work see it once this one commits."""
        ...


class WorkercenterUnitOfWork(Transaction, Protocol):
    @property
    def mypages(self) -> MyPages: ...
