"""Notification's table and repository (SQLAlchemy Core, engine-neutral)."""

from __future__ import annotations

from sqlalchemy import Column, String, Table, select

from erestaurant.contracts.statuses import MessageStatus
from erestaurant.notification.domain import Message
from erestaurant.platform.db import UTCDateTime
from erestaurant.platform.repository import SqlRepository
from erestaurant.platform.tables import ServiceTables

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
        await self._insert(messages, {**message.__dict__, "status": message.status.value})

    async def for_order(self, order_id: str) -> Message | None:
        row = (
            await self._conn.execute(
                select(messages).where(messages.c.order_id == order_id).with_for_update()
            )
        ).first()
        return None if row is None else _message(row._mapping)

    async def of_employee(self, employee_card_no: str, limit: int) -> list[Message]:
        query = (
            select(messages)
            .where(messages.c.employee_card_no == employee_card_no)
            .order_by(messages.c.sent_at.desc())
            .limit(limit)
        )
        return [_message(row._mapping) for row in await self._conn.execute(query)]


def _message(values: object) -> Message:
    fields = dict(values)  # type: ignore[call-overload]
    fields["status"] = MessageStatus(fields["status"])
    return Message(**fields)
