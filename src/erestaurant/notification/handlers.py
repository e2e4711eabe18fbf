"""Notification's one use case: an order completed, so its employee is told."""

from __future__ import annotations

import logging

from erestaurant.contracts import OrderCompleted
from erestaurant.notification.domain import Message
from erestaurant.notification.events import publish
from erestaurant.notification.unit_of_work import NotificationUnitOfWork
from erestaurant.platform import clock
from erestaurant.platform.consumer import Handlers

log = logging.getLogger(__name__)


async def send_meal_ready(event: OrderCompleted, uow: NotificationUnitOfWork) -> None:
    if await uow.messages.for_order(event.order_id) is not None:
        return
    message = Message.meal_ready(
        event.order_id, event.employee_card_no, event.menu_name, event.qty, clock.now()
    )
    await uow.messages.add(message)
    publish(uow, message)
    log.info("told card %s that order %s is ready", message.employee_card_no, message.order_id)


HANDLERS: Handlers = {OrderCompleted: send_meal_ready}
