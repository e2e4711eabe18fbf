"""Notification's HTTP API under /notifications."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter

from erestaurant.contracts.statuses import MessageStatus
from erestaurant.notification.domain import Message
from erestaurant.notification.unit_of_work import NotificationUnitOfWork
from erestaurant.platform.errors import ErrorTable
from erestaurant.platform.schema import Camel
from erestaurant.platform.security import Access
from erestaurant.platform.web import employee_list, employee_router


class MessageOut(Camel):
    order_id: str
    employee_card_no: str
    channel: str
    text: str
    status: MessageStatus
    sent_at: datetime


# How this service's domain errors are answered (registered once on the app).
ERRORS: ErrorTable = {}


def router(uow: Callable[[], NotificationUnitOfWork], access: Access) -> APIRouter:
    api = employee_router("/notifications", "notification")

    @employee_list(api, access, uow, "/messages", MessageOut, whose="messages")
    async def messages(tx: NotificationUnitOfWork, card: str, limit: int) -> list[Message]:
        return await tx.messages.of_employee(card, limit)

    return api
