"""Kitchen's tables, repositories and unit of work on SQL (SQLAlchemy Core, engine-neutral):
the implementation of the port in ``kitchen/unit_of_work.py``."""

from __future__ import annotations

import contextlib
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from erestaurant.contracts.statuses import CookStatus
from erestaurant.kitchen.domain import (
    CookTicket,
    DailyStock,
    Menu,
    MenuToday,
    Reservation,
    ReservationStatus,
)
from erestaurant.platform.db import ID, UTCDateTime, required
from erestaurant.platform.domain import Duplicate
from erestaurant.platform.repository import (
    GeneratedKeyRepository,
    NaturalKeyRepository,
    SqlRepository,
    from_row,
)
from erestaurant.platform.tables import ServiceTables
from erestaurant.platform.uow import SqlUnitOfWork

TABLES = ServiceTables()

menus = TABLES.table(
    "menus",
    Column("menu_id", ID, primary_key=True),
    required("name", String(100)),
    required("price", Integer),
    required("daily_portions", Integer),
    required("on_menu", Boolean, server_default=true()),
)

daily_stock = TABLES.table(
    "daily_stock",
    Column("menu_id", ID, ForeignKey("menus.menu_id"), primary_key=True),
    Column("day", Date, primary_key=True),
    required("reserved", Integer),
)

reservations = TABLES.table(
    "reservations",
    Column("order_id", String(64), primary_key=True),
    required("menu_id", ID, ForeignKey("menus.menu_id")),
    required("menu_name", String(100)),
    required("price", Integer),
    required("qty", Integer),
    required("day", Date),
    required("status", String(16), index=True),
    required("reserved_at", UTCDateTime),
)

cook_tickets = TABLES.table(
    "cook_tickets",
    Column("cook_id", ID, primary_key=True),
    required("order_id", String(64)),
    required("menu_id", ID),
    required("menu_name", String(100)),
    required("qty", Integer),
    required("status", String(16), index=True),
    required("received_at", UTCDateTime),
    Column("cooked_at", UTCDateTime),
    # One ticket per order, whatever is redelivered.
    UniqueConstraint("order_id"),
)


class MenuRepository(GeneratedKeyRepository[Menu]):
    kind, key = Menu, menus.c.menu_id
    saved = ("price", "daily_portions", "on_menu")

    async def on_day(self, day: date) -> list[MenuToday]:
        stock = daily_stock.alias()
        query = (
            select(menus, stock.c.reserved)
            .outerjoin(stock, (stock.c.menu_id == menus.c.menu_id) & (stock.c.day == day))
            .order_by(menus.c.menu_id)
        )
        return [
            MenuToday(from_row(Menu, row._asdict()), row.reserved or 0)
            for row in await self._conn.execute(query)
        ]


class StockRepository(SqlRepository):
    async def get_for_update(self, menu: Menu, day: date) -> DailyStock:
        assert menu.menu_id is not None
        key = {"menu_id": menu.menu_id, "day": day}
        row = await self._row(daily_stock, key, lock=True)
        if row is None:
            # Another transaction may open the day first: then lock its row below.
            with contextlib.suppress(Duplicate):
                async with self._conn.begin_nested():
                    await self._insert(daily_stock, {**key, "reserved": 0})
            row = await self._row(daily_stock, key, lock=True)
            if row is None:
                raise RuntimeError(f"the stock of menu {menu.menu_id} on {day} is not there")
        return DailyStock(menu.menu_id, day, menu.daily_portions, row["reserved"])

    async def save(self, stock: DailyStock) -> None:
        key = {"menu_id": stock.menu_id, "day": stock.day}
        await self._update(daily_stock, key, {"reserved": stock.reserved})


class ReservationRepository(NaturalKeyRepository[Reservation]):
    kind, key = Reservation, reservations.c.order_id
    saved = ("status", "reserved_at", "day")

    async def count_held(self) -> int:
        return await self._count(reservations, "status", [ReservationStatus.HELD.value])

    async def held_before(self, instant: datetime, limit: int = 100) -> list[Reservation]:
        query = (
            select(reservations)
            .where(
                (reservations.c.status == ReservationStatus.HELD.value)
                & (reservations.c.reserved_at < instant)
            )
            .order_by(reservations.c.reserved_at)
            .limit(limit)
        )
        return await self._all(Reservation, query)


class TicketRepository(GeneratedKeyRepository[CookTicket]):
    kind, key = CookTicket, cook_tickets.c.cook_id
    saved = ("status", "cooked_at")

    async def for_order(self, order_id: str) -> CookTicket | None:
        return await self._one(CookTicket, cook_tickets, {"order_id": order_id})

    async def list(
        self,
        status: CookStatus | None,
        limit: int,
        order_id: str | None = None,
        newest_first: bool = False,
    ) -> list[CookTicket]:
        order = cook_tickets.c.cook_id.desc() if newest_first else cook_tickets.c.cook_id
        query = select(cook_tickets).order_by(order).limit(limit)
        if status is not None:
            query = query.where(cook_tickets.c.status == status.value)
        if order_id is not None:
            query = query.where(cook_tickets.c.order_id == order_id)
        return await self._all(CookTicket, query)

    async def count_open(self) -> int:
        to_cook = [CookStatus.RECEIVED.value, CookStatus.COOKING.value]
        return await self._count(cook_tickets, "status", to_cook)


class SqlKitchenUnitOfWork(SqlUnitOfWork):
    """The kitchen's unit of work on its database (the port: ``KitchenUnitOfWork``)."""

    menus: MenuRepository
    stock: StockRepository
    reservations: ReservationRepository
    tickets: TicketRepository

    def _open_repositories(self, connection: AsyncConnection) -> None:
        self.menus = MenuRepository(connection)
        self.stock = StockRepository(connection)
        self.reservations = ReservationRepository(connection)
        self.tickets = TicketRepository(connection)
