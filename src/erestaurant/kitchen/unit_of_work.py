"""Kitchen's port: the repositories its handlers need, on one unit of work.

Implemented by ``adapters.SqlKitchenUnitOfWork`` (and, in the unit tests, by the fakes).
Reads that a decision is taken on lock what they read until the unit of work ends, so that
two transactions deciding on the same menu, day or order take turns.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from erestaurant.contracts.statuses import CookStatus
from erestaurant.kitchen.domain import CookTicket, DailyStock, Menu, MenuToday, Reservation
from erestaurant.platform.uow import UnitOfWork


class Menus(Protocol):
    async def add(self, menu: Menu) -> Menu:
        """Store a new menu; it is given its id (``menu_id``), and returned."""
        ...

    async def get(self, menu_id: int) -> Menu | None:
        """A menu, locked until commit: a reservation and a change of its portions or of its
        place on the menu take turns, so neither decides on what the other is changing."""
        ...

    async def save(self, menu: Menu) -> None:
        """Write its price, daily portions and place on the menu."""
        ...

    async def on_day(self, day: date) -> list[MenuToday]:
        """Every menu, on the menu or not, by id, with its portions reserved on ``day``
        (zero where none yet)."""
        ...


class Stock(Protocol):
    async def get_for_update(self, menu: Menu, day: date) -> DailyStock:
        """The day's stock of a menu (opened at none reserved if it is the day's first
        look), locked against concurrent reservations until commit."""
        ...

    async def save(self, stock: DailyStock) -> None:
        """Write what is reserved (of a day ``get_for_update`` opened)."""
        ...


class Reservations(Protocol):
    async def add(self, reservation: Reservation) -> None:
        """Store a new reservation; Duplicate if its order has one already."""
        ...

    async def get(self, order_id: str) -> Reservation | None:
        """The order's reservation, locked until commit."""
        ...

    async def save(self, reservation: Reservation) -> None:
        """Write its status, the time it was (last) held and its day."""
        ...

    async def count_held(self) -> int: ...

    async def held_before(self, instant: datetime, limit: int = 100) -> list[Reservation]:
        """Up to ``limit`` reservations still HELD that were held before ``instant``,
        oldest first."""
        ...


class Tickets(Protocol):
    async def add(self, ticket: CookTicket) -> CookTicket:
        """Store a new ticket; it is given its id (``cook_id``), and returned. Duplicate if
        its order has one already: one ticket per order, whatever is redelivered."""
        ...

    async def get(self, cook_id: int) -> CookTicket | None:
        """A ticket, locked until commit."""
        ...

    async def for_order(self, order_id: str) -> CookTicket | None:
        """The order's ticket, locked until commit."""
        ...

    async def list(
        self,
        status: CookStatus | None,
        limit: int,
        order_id: str | None = None,
        newest_first: bool = False,
    ) -> list[CookTicket]:
        """Up to ``limit`` tickets, by id (the newest first if asked), of one status and one
        order where given."""
        ...

    async def count_open(self) -> int:
        """Tickets still to cook: RECEIVED or COOKING."""
        ...

    async def save(self, ticket: CookTicket) -> None:
        """Write its status and the time it was cooked."""
        ...


class KitchenUnitOfWork(UnitOfWork, Protocol):
    @property
    def menus(self) -> Menus: ...

    @property
    def stock(self) -> Stock: ...

    @property
    def reservations(self) -> Reservations: ...

    @property
    def tickets(self) -> Tickets: ...
