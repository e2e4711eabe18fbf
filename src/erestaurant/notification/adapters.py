"""Notification's table, repository and unit of work in SQL (SQLAlchemy Core, engine-neutral)."""

from __future__ import annotations

from sqlalchemy import Column, String
from sqlalchemy.ext.asyncio import AsyncConnection

from erestaurant.notification.domain import Message
from erestaurant.platform.db import UTCDateTime, required
from erestaurant.platform.repository import SqlRepository, to_row
from erestaurant.platform.tables import ServiceTables
from erestaurant.platform.uow import SqlUnitOfWork

TABLES = ServiceTables()

messages = TABLES.table(
    "messages",
    # One ready message per order, whatever is redelivered.
    Column("order_id", String(64), primary_key=True),
    required("employee_card_no", String(32), index=True),
    required("channel", String(16)),
    required("text", String(500)),
    required("status", String(16)),
    required("sent_at", UTCDateTime),
)


class MessageRepository(SqlRepository):
    async def add(self, message: Message) -> None:
        await self._insert(messages, to_row(message, messages))

    async def for_order(self, order_id: str) -> Message | None:
        return await self._one(Message, messages, {"order_id": order_id})

    async def of_employee(self, employee_card_no: str, limit: int) -> list[Message]:
        mine = messages.c.employee_card_no == employee_card_no
        return await self._latest(Message, messages, mine, messages.c.sent_at, limit)


class SqlNotificationUnitOfWork(SqlUnitOfWork):
    messages: MessageRepository

    def _open_repositories(self, connection: AsyncConnection) -> None:
        self.messages = MessageRepository(connection)
