"""Hall's tables, repositories and unit of work on SQL (SQLAlchemy Core, engine-neutral)."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, text
from sqlalchemy.ext.asyncio import AsyncConnection

from erestaurant.hall.domain import Card, Order
from erestaurant.platform.db import UTCDateTime, required
from erestaurant.platform.repository import NaturalKeyRepository
from erestaurant.platform.tables import ServiceTables
from erestaurant.platform.uow import SqlUnitOfWork

TABLES = ServiceTables()

orders = TABLES.table(
    "orders",
    Column("order_id", String(64), primary_key=True),
    required("employee_card_no", String(32), index=True),
    required("menu_id", Integer),
    required("menu_name", String(100)),
    required("qty", Integer),
    required("amount", Integer),
    required("status", String(16)),
    required("ordered_at", UTCDateTime),
    Column("updated_at", UTCDateTime),
    Column("placed_by", String(255)),
)

# Hall's own copy of the cards payment knows, so that ordering never calls payment.
cards = TABLES.table(
    "cards",
    Column("employee_card_no", String(32), primary_key=True),
    Column("name", String(100)),
    Column("registered_at", UTCDateTime),
    Column("deactivated_at", UTCDateTime),
    Column("pin_hash", String(255)),
    Column("pin_set_at", UTCDateTime),
    required("wrong_pins", Integer, server_default=text("0")),
    Column("pin_locked_until", UTCDateTime),
)


class OrderRepository(NaturalKeyRepository[Order]):
    kind, key = Order, orders.c.order_id
    saved = ("status", "updated_at")


class CardRepository(NaturalKeyRepository[Card]):
    kind, key = Card, cards.c.employee_card_no
    locks = False  # read unlocked unless for_update says otherwise


class SqlHallUnitOfWork(SqlUnitOfWork):
    """Hall's unit of work (the port of hall/unit_of_work.py) on its relational database."""

    orders: OrderRepository
    cards: CardRepository

    def _open_repositories(self, connection: AsyncConnection) -> None:
        self.orders = OrderRepository(connection)
        self.cards = CardRepository(connection)
