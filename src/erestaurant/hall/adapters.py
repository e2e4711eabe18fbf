"""Hall's tables, repositories and unit of work on SQL (SQLAlchemy Core, engine-neutral)."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from erestaurant.hall.domain import Card, Order
from erestaurant.platform.db import UTCDateTime
from erestaurant.platform.repository import SqlRepository, to_row
from erestaurant.platform.tables import ServiceTables
from erestaurant.platform.uow import SqlUnitOfWork

TABLES = ServiceTables()

orders = Table(
    "orders",
    TABLES.metadata,
    Column("order_id", String(64), primary_key=True),
    Column("employee_card_no", String(32), nullable=False, index=True),
    Column("menu_id", Integer, nullable=False),
    Column("menu_name", String(100), nullable=False),
    Column("qty", Integer, nullable=False),
    Column("amount", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("ordered_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=True),
    Column("placed_by", String(255), nullable=True),
)

# Hall's own copy of the cards payment knows, so that ordering never calls payment.
cards = Table(
    "cards",
    TABLES.metadata,
    Column("employee_card_no", String(32), primary_key=True),
    Column("name", String(100), nullable=True),
    Column("registered_at", UTCDateTime, nullable=True),
    Column("deactivated_at", UTCDateTime, nullable=True),
    Column("pin_hash", String(255), nullable=True),
    Column("pin_set_at", UTCDateTime, nullable=True),
    Column("wrong_pins", Integer, nullable=False, server_default=text("0")),
    Column("pin_locked_until", UTCDateTime, nullable=True),
)


class OrderRepository(SqlRepository):
    async def add(self, order: Order) -> None:
        await self._insert(orders, to_row(order, orders))

    async def get(self, order_id: str) -> Order | None:
        return await self._one(Order, orders, orders.c.order_id == order_id)

    async def save(self, order: Order) -> None:
        key = orders.c.order_id == order.order_id
        await self._update(orders, key, order, ("status", "updated_at"))


class CardRepository(SqlRepository):
    async def get(self, employee_card_no: str, *, for_update: bool = False) -> Card | None:
        key = cards.c.employee_card_no == employee_card_no
        return await self._one(Card, cards, key, lock=for_update)

    async def add(self, card: Card) -> None:
        await self._insert(cards, to_row(card, cards))

    async def save(self, card: Card) -> None:
        await self._conn.execute(
            update(cards)
            .where(cards.c.employee_card_no == card.employee_card_no)
            .values(to_row(card, cards, without=["employee_card_no"]))
        )


class SqlHallUnitOfWork(SqlUnitOfWork):
    """Hall's unit of work (the port of hall/unit_of_work.py) on its relational database."""

    orders: OrderRepository
    cards: CardRepository

    def _open_repositories(self, connection: AsyncConnection) -> None:
        self.orders = OrderRepository(connection)
        self.cards = CardRepository(connection)
