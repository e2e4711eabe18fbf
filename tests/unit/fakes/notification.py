"""Notification's messages in memory."""

from __future__ import annotations

import dataclasses

from erestaurant.notification.domain import Message
from erestaurant.notification.unit_of_work import NotificationUnitOfWork

from . import FakeUnitOfWork, Table


class FakeMessages(Table):
    name = "messages"

    async def add(self, message: Message) -> None:
        # The table has no column for the events a message recorded: they are not stored.
        self._insert(message.order_id, dataclasses.replace(message, events=[]))

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


def _port(uow: FakeNotificationUnitOfWork) -> NotificationUnitOfWork:
    return uow
