"""The kitchen's tables in memory: the port of ``kitchen/unit_of_work.py``."""

from __future__ import annotations

from datetime import date, datetime

from erestaurant.contracts.statuses import CookStatus
from erestaurant.kitchen.domain import (
    CookTicket,
    DailyStock,
    Menu,
    MenuToday,
    Reservation,
    ReservationStatus,
)
from erestaurant.kitchen.unit_of_work import KitchenUnitOfWork

from . import FakeUnitOfWork, Table, duplicate


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


class FakeMenus(Table):
    name = "menus"

    def __init__(self, uow: FakeUnitOfWork, stock: FakeStock) -> None:
        super().__init__(uow)
        self._stock = stock

    async def add(self, menu: Menu) -> Menu:
        self._uow.require_transaction()
        menu.menu_id = self._next_id()
        self._insert(menu.menu_id, menu)
        return menu

    async def get(self, menu_id: int) -> Menu | None:
        menu: Menu | None = self._select(menu_id)
        return menu

    async def save(self, menu: Menu) -> None:
        self._update(menu.menu_id, menu, ("price", "daily_portions", "on_menu"))

    async def on_day(self, day: date) -> list[MenuToday]:
        menus: list[Menu] = self._where(lambda _: True)
        return [
            MenuToday(menu, self._stock.rows.get((menu.menu_id, day), 0))
            for menu in sorted(menus, key=lambda m: m.menu_id or 0)
        ]


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
        found: list[Reservation] = self._where(
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
        found: list[CookTicket] = self._where(lambda row: row.order_id == order_id)
        return found[0] if found else None

    async def list(
        self,
        status: CookStatus | None,
        limit: int,
        order_id: str | None = None,
        newest_first: bool = False,
    ) -> list[CookTicket]:
        found: list[CookTicket] = self._where(
            lambda row: (
                (status is None or row.status is status)
                and (order_id is None or row.order_id == order_id)
            )
        )
        return sorted(found, key=lambda t: t.cook_id or 0, reverse=newest_first)[:limit]

    async def count_open(self) -> int:
        open_ = (CookStatus.RECEIVED, CookStatus.COOKING)
        return len(self._where(lambda row: row.status in open_))

    async def save(self, ticket: CookTicket) -> None:
        self._update(ticket.cook_id, ticket, ("status", "cooked_at"))


class FakeKitchenUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.stock = FakeStock(self)
        self.menus = FakeMenus(self, self.stock)
        self.reservations = FakeReservations(self)
        self.tickets = FakeTickets(self)


def _port(uow: FakeKitchenUnitOfWork) -> KitchenUnitOfWork:
    return uow
