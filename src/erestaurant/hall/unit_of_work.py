"""Hall's unit of work."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from erestaurant.hall import adapters
from erestaurant.platform.uow import SqlUnitOfWork


class HallUnitOfWork(SqlUnitOfWork):
    orders: adapters.OrderRepository
    cards: adapters.CardRepository

    def _open_repositories(self, connection: AsyncConnection) -> None:
        self.orders = adapters.OrderRepository(connection)
        self.cards = adapters.CardRepository(connection)
