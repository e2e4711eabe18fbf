"""Notification's HTTP API under /notifications."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter

from erestaurant.contracts.statuses import MessageStatus
from erestaurant.notification.unit_of_work import NotificationUnitOfWork
from erestaurant.platform.access import Principal, Role
from erestaurant.platform.errors import EVERY_ROUTE, ErrorTable, answers
from erestaurant.platform.schema import Camel
from erestaurant.platform.security import Access, Limit, card_query, card_to_read


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
    api = APIRouter(
        prefix="/notifications", tags=["notification"], responses=answers(*EVERY_ROUTE, 404)
    )
    employee = access.allow(Role.EMPLOYEE)

    @api.get("/messages", response_model=list[MessageOut])
    async def messages(
        who: Principal = employee,
        employee_card_no: str | None = card_query("messages"),
        limit: Limit = 100,
    ) -> list[MessageOut]:
        card = card_to_read(who, employee_card_no)
        async with uow() as tx:
            return [
                MessageOut.model_validate(m) for m in await tx.messages.of_employee(card, limit)
            ]

    return api
