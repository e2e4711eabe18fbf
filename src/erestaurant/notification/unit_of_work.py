"""Notification's port: what its handlers and routes need of a store (adapters.py has SQL)."""

from __future__ import annotations

from typing import Protocol

from erestaurant.notification.domain import Message
from erestaurant.platform.uow import UnitOfWork


class Messages(Protocol):
    async def add(self, message: Message) -> None:
        """Store a new message; a message for its order stored already raises Duplicate.
        The events it recorded are not stored."""
        ...

    async def for_order(self, order_id: str) -> Message | None:
        """The order's message (None if it has none), locked until the transaction ends."""
        ...

    async def of_employee(self, employee_card_no: str, limit: int) -> list[Message]:
        """The employee's messages, the last sent first, at most ``limit`` of them."""
        ...


class NotificationUnitOfWork(UnitOfWork, Protocol):
    @property
    def messages(self) -> Messages: ...
