"""The kitchen's tables in memory."""

from __future__ import annotations

from datetime import date, datetime

from erestaurant.contracts.statuses import CookStatus
from erestaurant.kitchen.domain import CookTicket, DailyStock, Menu, Reservation, ReservationStatus

from . import FakeUnitOfWork, Table, duplicate


class FakeMenus(Table):
    name = "menus"

    async def add(self, menu: Menu) -> Menu:
        self._uow.require_transaction()
        menu.menu_id = self._next_id()
        self._insert(menu.menu_id, menu)
        return menu

    async def get(self, menu_id: int) -> Menu | None:
        menu: Menu | None = self._select(menu_id)
        return menu

    async def list_with_reserved(self, day: date) -> list[tuple[Menu, int]]:
        stock = self._uow.stock  # type: ignore[attr-defined]
        return [
            (menu, stock.rows.get((menu.menu_id, day), 0))
            for menu in sorted(self._where(lambda _: True), key=lambda m: m.menu_id)
        ]


class FakeStock(Table):
    """The reserved count of each (menu id, business day)."""

    name = "daily_stock"

    async def get_for_update(self, menu: Menu, day: date) -> DailyStock:
        self._uow.require_transaction()
        assert menu.menu_id is not None
        reserved = self.rows.setdefault((menu.menu_id, day), 0)
        return DailyStock(menu.menu_id, day, menu.daily_portions, reserved)

    async def save(self, stock: DailyStock) -> None:
        self._uow.require_transaction()
        if (stock.menu_id, stock.day) in self.rows:
            self.rows[(stock.menu_id, stock.day)] = stock.reserved

    def reserved(self, menu_id: int, day: date) -> int:
        reserved: int = self.rows.get((menu_id, day), 0)
        return reserved


class FakeReservations(Table):
    name = "reservations"

    async def add(self, reservation: Reservation) -> None:
        self._insert(reservation.order_id, reservation)

    async def get(self, order_id: str) -> Reservation | None:
        reservation: Reservation | None = self._select(order_id)
        return reservation

    async def save(self, reservation: Reservation) -> None:
        self._update(reservation.order_id, reservation, ("status", "reserved_at", "day"))

    async def count_held(self) -> int:
        return len(self._where(lambda row: row.status is ReservationStatus.HELD))

    async def held_before(self, instant: datetime, limit: int = 100) -> list[Reservation]:
        found = self._where(
            lambda row: row.status is ReservationStatus.HELD and row.reserved_at < instant
        )
        return sorted(found, key=lambda r: r.reserved_at)[:limit]


class FakeTickets(Table):
    name = "cook_tickets"

    async def add(self, ticket: CookTicket) -> CookTicket:
        self._uow.require_transaction()
        if any(row.order_id == ticket.order_id for row in self.rows.values()):
            raise duplicate(self.name, ticket.order_id)  # one ticket per order
        ticket.cook_id = self._next_id()
        self._insert(ticket.cook_id, ticket)
        return ticket

    async def get(self, cook_id: int) -> CookTicket | None:
        ticket: CookTicket | None = self._select(cook_id)
        return ticket

    async def for_order(self, order_id: str) -> CookTicket | None:
        found = self._where(lambda row: row.order_id == order_id)
        return found[0] if found else None

    async def list(
        self,
        status: CookStatus | None,
        limit: int,
        order_id: str | None = None,
        newest_first: bool = False,
    ) -> list[CookTicket]:
        found = self._where(
            lambda row: (
                (status is None or row.status is status)
                and (order_id is None or row.order_id == order_id)
            )
        )
        return sorted(found, key=lambda t: t.cook_id, reverse=newest_first)[:limit]

    async def count_open(self) -> int:
        open_ = (CookStatus.RECEIVED, CookStatus.COOKING)
        return len(self._where(lambda row: row.status in open_))

    async def save(self, ticket: CookTicket) -> None:
        self._update(ticket.cook_id, ticket, ("status", "cooked_at"))


class FakeKitchenUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.menus = FakeMenus(self)
        self.stock = FakeStock(self)
        self.reservations = FakeReservations(self)
        self.tickets = FakeTickets(self)
