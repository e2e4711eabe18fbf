"""Workercenter's units of work: the view in SQL, or in Redis; handlers see no difference."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from erestaurant.platform.uow import SqlUnitOfWork, Transaction
from erestaurant.workercenter import adapters
from erestaurant.workercenter.domain import MyPageRow


class MyPages(Protocol):
    async def get(self, order_id: str) -> MyPageRow | None: ...

    async def of_employee(self, employee_card_no: str, limit: int) -> list[MyPageRow]: ...

    async def save(self, row: MyPageRow, *, new: bool) -> None: ...


class WorkercenterUnitOfWork(Transaction, Protocol):
    @property
    def mypages(self) -> MyPages: ...


class SqlWorkercenterUnitOfWork(SqlUnitOfWork):
    mypages: adapters.MyPageRepository

    def _open_repositories(self, connection: AsyncConnection) -> None:
        self.mypages = adapters.MyPageRepository(connection)
