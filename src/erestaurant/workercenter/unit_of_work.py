"""Workercenter's unit of work."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from erestaurant.platform.uow import UnitOfWork
from erestaurant.workercenter import adapters


class WorkercenterUnitOfWork(UnitOfWork):
    mypages: adapters.MyPageRepository

    def _open_repositories(self, connection: AsyncConnection) -> None:
        self.mypages = adapters.MyPageRepository(connection)
