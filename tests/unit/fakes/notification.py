"""Notification's messages in memory."""

from __future__ import annotations

from erestaurant.notification.domain import Message

from . import FakeUnitOfWork, Table


class FakeMessages(Table):
    name = "messages"

    async def add(self, message: Message) -> None:
        self._insert(message.order_id, message)

    async def for_order(self, order_id: str) -> Message | None:
        message: Message | None = self._select(order_id)
        return message

    async def of_employee(self, employee_card_no: str, limit: int) -> list[Message]:
        found = self._where(lambda row: row.employee_card_no == employee_card_no)
        return sorted(found, key=lambda m: m.sent_at, reverse=True)[:limit]


class FakeNotificationUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.messages = FakeMessages(self)
