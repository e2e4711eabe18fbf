"""Notification's table, repository and unit of work in SQL (SQLAlchemy Core, engine-neutral)."""

from __future__ import annotations

from sqlalchemy import Column, String, Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from erestaurant.notification.domain import Message
from erestaurant.platform.db import UTCDateTime
from erestaurant.platform.repository import SqlRepository, from_row, to_row
from erestaurant.platform.tables import ServiceTables
from erestaurant.platform.uow import SqlUnitOfWork

TABLES = ServiceTables()

messages = Table(
    "messages",
    TABLES.metadata,
    # One ready message per order, whatever is redelivered.
    Column("order_id", String(64), primary_key=True),
    Column("employee_card_no", String(32), nullable=False, index=True),
    Column("channel", String(16), nullable=False),
    Column("text", String(500), nullable=False),
    Column("status", String(16), nullable=False),
    Column("sent_at", UTCDateTime, nullable=False),
)


class MessageRepository(SqlRepository):
    async def add(self, message: Message) -> None:
        await self._insert(messages, to_row(message, messages))

    async def for_order(self, order_id: str) -> Message | None:
        return await self._one(Message, messages, messages.c.order_id == order_id)

    async def of_employee(self, employee_card_no: str, limit: int) -> list[Message]:
        query = (
            select(messages)
            .where(messages.c.employee_card_no == employee_card_no)
            .order_by(messages.c.sent_at.desc())
            .limit(limit)
        )
        return [from_row(Message, row._mapping) for row in await self._conn.execute(query)]


class SqlNotificationUnitOfWork(SqlUnitOfWork):
    messages: MessageRepository

    def _open_repositories(self, connection: AsyncConnection) -> None:
        self.messages = MessageRepository(connection)
