"""Workercenter's units of work: the view in SQL, or in Redis; handlers see no difference."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from sqlalchemy.ext.asyncio import AsyncConnection

from erestaurant.contracts import Envelope
from erestaurant.platform.uow import UnitOfWork
from erestaurant.workercenter import adapters
from erestaurant.workercenter.domain import MyPageRow


class MyPages(Protocol):
    async def get(self, order_id: str) -> MyPageRow | None: ...

    async def of_employee(self, employee_card_no: str, limit: int) -> list[MyPageRow]: ...

    async def save(self, row: MyPageRow, *, new: bool) -> None: ...


class WorkercenterUnitOfWork(Protocol):
    @property
    def mypages(self) -> MyPages: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def mark_handled(self, envelope: Envelope) -> bool: ...

    async def commit(self) -> None: ...


class SqlWorkercenterUnitOfWork(UnitOfWork):
    mypages: adapters.MyPageRepository

    def _open_repositories(self, connection: AsyncConnection) -> None:
        self.mypages = adapters.MyPageRepository(connection)
