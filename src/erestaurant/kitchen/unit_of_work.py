"""Kitchen's unit of work: its repositories on one transaction, with outbox and inbox."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from erestaurant.kitchen import adapters
from erestaurant.platform.uow import SqlUnitOfWork


class KitchenUnitOfWork(SqlUnitOfWork):
    menus: adapters.MenuRepository
    stock: adapters.StockRepository
    reservations: adapters.ReservationRepository
    tickets: adapters.TicketRepository

    def _open_repositories(self, connection: AsyncConnection) -> None:
        self.menus = adapters.MenuRepository(connection)
        self.stock = adapters.StockRepository(connection)
        self.reservations = adapters.ReservationRepository(connection)
        self.tickets = adapters.TicketRepository(connection)
