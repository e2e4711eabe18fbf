"""Kitchen's tables and repositories (SQLAlchemy Core, engine-neutral)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

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
    insert,
    select,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError

from erestaurant.contracts.statuses import CookStatus
from erestaurant.kitchen.domain import CookTicket, DailyStock, Menu, Reservation, ReservationStatus
from erestaurant.platform.db import ID, UTCDateTime, inserted_id
from erestaurant.platform.repository import SqlRepository
from erestaurant.platform.tables import ServiceTables

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
        result = await self._conn.execute(
            insert(menus).values(
                name=menu.name,
                price=menu.price,
                daily_portions=menu.daily_portions,
                on_menu=menu.on_menu,
            )
        )
        menu.menu_id = inserted_id(result)
        return menu

    async def get(self, menu_id: int) -> Menu | None:
        """A menu, locked until commit: a reservation and a change of its portions or of its
        place on the menu take turns, so neither decides on what the other is changing."""
        query = select(menus).where(menus.c.menu_id == menu_id).with_for_update()
        row = (await self._conn.execute(query)).first()
        return None if row is None else Menu(**row._mapping)

    async def save(self, menu: Menu) -> None:
        await self._conn.execute(
            update(menus)
            .where(menus.c.menu_id == menu.menu_id)
            .values(price=menu.price, daily_portions=menu.daily_portions, on_menu=menu.on_menu)
        )

    async def list_with_reserved(self, day: date) -> list[tuple[Menu, int]]:
        """Every menu, on the menu or not, with the portions reserved on ``day`` (zero where
        none yet)."""
        stock = daily_stock.alias()
        query = (
            select(menus, stock.c.reserved)
            .outerjoin(stock, (stock.c.menu_id == menus.c.menu_id) & (stock.c.day == day))
            .order_by(menus.c.menu_id)
        )
        rows = (await self._conn.execute(query)).all()
        return [
            (
                Menu(row.name, row.price, row.daily_portions, row.menu_id, row.on_menu),
                row.reserved or 0,
            )
            for row in rows
        ]


class StockRepository(SqlRepository):
    async def get_for_update(self, menu: Menu, day: date) -> DailyStock:
        """The day's stock of a menu, locked against concurrent reservations until commit."""
        assert menu.menu_id is not None
        key = (daily_stock.c.menu_id == menu.menu_id) & (daily_stock.c.day == day)
        query = select(daily_stock.c.reserved).where(key).with_for_update()
        reserved = (await self._conn.execute(query)).scalar()
        if reserved is None:
            try:
                async with self._conn.begin_nested():
                    await self._conn.execute(
                        insert(daily_stock).values(menu_id=menu.menu_id, day=day, reserved=0)
                    )
            except IntegrityError:
                pass  # another transaction opened the day first; lock its row below
            reserved = (await self._conn.execute(query)).scalar_one()
        return DailyStock(menu.menu_id, day, menu.daily_portions, reserved)

    async def save(self, stock: DailyStock) -> None:
        await self._conn.execute(
            update(daily_stock)
            .where((daily_stock.c.menu_id == stock.menu_id) & (daily_stock.c.day == stock.day))
            .values(reserved=stock.reserved)
        )


class ReservationRepository(SqlRepository):
    async def add(self, reservation: Reservation) -> None:
        await self._insert(reservations, _reservation_row(reservation))

    async def get(self, order_id: str) -> Reservation | None:
        query = select(reservations).where(reservations.c.order_id == order_id).with_for_update()
        row = (await self._conn.execute(query)).first()
        return None if row is None else _reservation(row._mapping)

    async def save(self, reservation: Reservation) -> None:
        await self._conn.execute(
            update(reservations)
            .where(reservations.c.order_id == reservation.order_id)
            .values(
                status=reservation.status.value,
                reserved_at=reservation.reserved_at,
                day=reservation.day,
            )
        )

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
        return [_reservation(row._mapping) for row in await self._conn.execute(query)]


class TicketRepository(SqlRepository):
    async def add(self, ticket: CookTicket) -> CookTicket:
        row = _ticket_row(ticket)
        del row["cook_id"]
        result = await self._insert(cook_tickets, row)
        ticket.cook_id = inserted_id(result)
        return ticket

    async def get(self, cook_id: int) -> CookTicket | None:
        return await self._one(cook_tickets.c.cook_id == cook_id)

    async def for_order(self, order_id: str) -> CookTicket | None:
        return await self._one(cook_tickets.c.order_id == order_id)

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
        return [_ticket(row._mapping) for row in await self._conn.execute(query)]

    async def count_open(self) -> int:
        query = select(func.count()).where(
            cook_tickets.c.status.in_((CookStatus.RECEIVED.value, CookStatus.COOKING.value))
        )
        return int((await self._conn.execute(query)).scalar_one())

    async def save(self, ticket: CookTicket) -> None:
        await self._conn.execute(
            update(cook_tickets)
            .where(cook_tickets.c.cook_id == ticket.cook_id)
            .values(status=ticket.status.value, cooked_at=ticket.cooked_at)
        )

    async def _one(self, condition: Any) -> CookTicket | None:
        query = select(cook_tickets).where(condition).with_for_update()
        row = (await self._conn.execute(query)).first()
        return None if row is None else _ticket(row._mapping)


def _reservation_row(reservation: Reservation) -> dict[str, Any]:
    return {**reservation.__dict__, "status": reservation.status.value}


def _ticket_row(ticket: CookTicket) -> dict[str, Any]:
    return {**ticket.__dict__, "status": ticket.status.value}


def _reservation(values: Any) -> Reservation:
    fields = dict(values)
    fields["status"] = ReservationStatus(fields["status"])
    return Reservation(**fields)


def _ticket(values: Any) -> CookTicket:
    fields = dict(values)
    fields["status"] = CookStatus(fields["status"])
    return CookTicket(**fields)
