"""Notification's unit of work."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from erestaurant.notification import adapters
from erestaurant.platform.uow import SqlUnitOfWork


class NotificationUnitOfWork(SqlUnitOfWork):
    messages: adapters.MessageRepository

    def _open_repositories(self, connection: AsyncConnection) -> None:
        self.messages = adapters.MessageRepository(connection)
