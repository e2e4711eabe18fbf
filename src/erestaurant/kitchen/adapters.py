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
    Table,
    UniqueConstraint,
    func,
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
from erestaurant.platform.db import ID, UTCDateTime, inserted_id
from erestaurant.platform.domain import Duplicate
from erestaurant.platform.repository import SqlRepository, from_row, to_row
from erestaurant.platform.tables import ServiceTables
from erestaurant.platform.uow import SqlUnitOfWork

TABLES = ServiceTables()

menus = Table(
    "menus",
    TABLES.metadata,
    Column("menu_id", ID, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("price", Integer, nullable=False),
    Column("daily_portions", Integer, nullable=False),
    Column("on_menu", Boolean, nullable=False, server_default=true()),
)

daily_stock = Table(
    "daily_stock",
    TABLES.metadata,
    Column("menu_id", ID, ForeignKey("menus.menu_id"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("reserved", Integer, nullable=False),
)

reservations = Table(
    "reservations",
    TABLES.metadata,
    Column("order_id", String(64), primary_key=True),
    Column("menu_id", ID, ForeignKey("menus.menu_id"), nullable=False),
    Column("menu_name", String(100), nullable=False),
    Column("price", Integer, nullable=False),
    Column("qty", Integer, nullable=False),
    Column("day", Date, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("reserved_at", UTCDateTime, nullable=False),
)

cook_tickets = Table(
    "cook_tickets",
    TABLES.metadata,
    Column("cook_id", ID, primary_key=True),
    Column("order_id", String(64), nullable=False),
    Column("menu_id", ID, nullable=False),
    Column("menu_name", String(100), nullable=False),
    Column("qty", Integer, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("received_at", UTCDateTime, nullable=False),
    Column("cooked_at", UTCDateTime, nullable=True),
    # One ticket per order, whatever is redelivered.
    UniqueConstraint("order_id"),
)


class MenuRepository(SqlRepository):
    async def add(self, menu: Menu) -> Menu:
        result = await self._insert(menus, to_row(menu, menus, without=("menu_id",)))
        menu.menu_id = inserted_id(result)
        return menu

    async def get(self, menu_id: int) -> Menu | None:
        return await self._one(Menu, menus, menus.c.menu_id == menu_id)

    async def save(self, menu: Menu) -> None:
        key = menus.c.menu_id == menu.menu_id
        await self._update(menus, key, menu, ("price", "daily_portions", "on_menu"))

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
        key = (daily_stock.c.menu_id == menu.menu_id) & (daily_stock.c.day == day)
        query = select(daily_stock.c.reserved).where(key).with_for_update()
        reserved = (await self._conn.execute(query)).scalar()
        if reserved is None:
            # Another transaction may open the day first: then lock its row below.
            with contextlib.suppress(Duplicate):
                async with self._conn.begin_nested():
                    await self._insert(
                        daily_stock, {"menu_id": menu.menu_id, "day": day, "reserved": 0}
                    )
            reserved = (await self._conn.execute(query)).scalar_one()
        return DailyStock(menu.menu_id, day, menu.daily_portions, reserved)

    async def save(self, stock: DailyStock) -> None:
        key = (daily_stock.c.menu_id == stock.menu_id) & (daily_stock.c.day == stock.day)
        await self._update(daily_stock, key, stock, ("reserved",))


class ReservationRepository(SqlRepository):
    async def add(self, reservation: Reservation) -> None:
        await self._insert(reservations, to_row(reservation, reservations))

    async def get(self, order_id: str) -> Reservation | None:
        return await self._one(Reservation, reservations, reservations.c.order_id == order_id)

    async def save(self, reservation: Reservation) -> None:
        key = reservations.c.order_id == reservation.order_id
        await self._update(reservations, key, reservation, ("status", "reserved_at", "day"))

    async def count_held(self) -> int:
        query = select(func.count()).where(reservations.c.status == ReservationStatus.HELD.value)
        return int((await self._conn.execute(query)).scalar_one())

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
        return [from_row(Reservation, row._asdict()) for row in await self._conn.execute(query)]


class TicketRepository(SqlRepository):
    async def add(self, ticket: CookTicket) -> CookTicket:
        result = await self._insert(
            cook_tickets, to_row(ticket, cook_tickets, without=("cook_id",))
        )
        ticket.cook_id = inserted_id(result)
        return ticket

    async def get(self, cook_id: int) -> CookTicket | None:
        return await self._one(CookTicket, cook_tickets, cook_tickets.c.cook_id == cook_id)

    async def for_order(self, order_id: str) -> CookTicket | None:
        return await self._one(CookTicket, cook_tickets, cook_tickets.c.order_id == order_id)

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
        return [from_row(CookTicket, row._asdict()) for row in await self._conn.execute(query)]

    async def count_open(self) -> int:
        query = select(func.count()).where(
            cook_tickets.c.status.in_((CookStatus.RECEIVED.value, CookStatus.COOKING.value))
        )
        return int((await self._conn.execute(query)).scalar_one())

    async def save(self, ticket: CookTicket) -> None:
        key = cook_tickets.c.cook_id == ticket.cook_id
        await self._update(cook_tickets, key, ticket, ("status", "cooked_at"))


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
