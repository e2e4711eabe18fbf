"""Notification's HTTP API under /notifications."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from erestaurant.notification.domain import MessageStatus
from erestaurant.notification.unit_of_work import NotificationUnitOfWork
from erestaurant.platform.schema import Camel


class MessageOut(Camel):
    order_id: str
    employee_card_no: str
    channel: str
    text: str
    status: MessageStatus
    sent_at: datetime


def router(uow: Callable[[], NotificationUnitOfWork]) -> APIRouter:
    api = APIRouter(prefix="/notifications", tags=["notification"])

    @api.get("/messages", response_model=list[MessageOut])
    async def messages(
        employee_card_no: Annotated[
            str, Query(alias="employeeCardNo", min_length=1, max_length=32)
        ],
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[MessageOut]:
        async with uow() as tx:
            return [
                MessageOut.model_validate(m)
                for m in await tx.messages.of_employee(employee_card_no, limit)
            ]

    return api
