"""Projections: each event moves one my-page row forward. Nothing here calls a service.

The view publishes nothing (no outbox, no events.py): a row's moves are news of what the
owning services did, not events of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from operator import attrgetter
from typing import Any

from erestaurant.contracts import (
    CookCancelled,
    Cooked,
    CookReceived,
    CookStarted,
    MealReadyMessageSent,
    OrderCancelled,
    OrderCompleted,
    OrderPlaced,
    PaymentCancelled,
    PaymentDeducted,
)
from erestaurant.contracts.statuses import CookStatus, OrderStatus, PaymentStatus
from erestaurant.platform.consumer import EventHandler, Handlers
from erestaurant.workercenter.domain import MyPageRow
from erestaurant.workercenter.unit_of_work import WorkercenterUnitOfWork

Status = OrderStatus | CookStatus | PaymentStatus


async def _project(
    uow: WorkercenterUnitOfWork, order_id: str, at: datetime, change: Callable[[MyPageRow], None]
) -> None:
    row = await uow.mypages.get(order_id)
    new = row is None
    if row is None:
        row = MyPageRow(order_id=order_id, updated_at=at)
    change(row)
    if row.changed or new:
        row.touch(at)
        await uow.mypages.save(row, new=new)


async def on_order_placed(e: OrderPlaced, uow: WorkercenterUnitOfWork) -> None:
    def change(row: MyPageRow) -> None:
        row.describe(e.employee_card_no, e.menu_name, e.qty, e.amount)
        row.advance_order(OrderStatus.ORDERED)
        row.advance_payment(PaymentStatus.PENDING)

    await _project(uow, e.order_id, e.ordered_at, change)


async def on_order_completed(e: OrderCompleted, uow: WorkercenterUnitOfWork) -> None:
    def change(row: MyPageRow) -> None:
        row.describe(e.employee_card_no, e.menu_name, e.qty, e.amount)
        row.advance_order(OrderStatus.COMPLETED)

    await _project(uow, e.order_id, e.completed_at, change)


async def on_message_sent(e: MealReadyMessageSent, uow: WorkercenterUnitOfWork) -> None:
    await _project(uow, e.order_id, e.sent_at, MyPageRow.mark_notified)


def _moves(when: Callable[[Any], datetime], *statuses: Status) -> EventHandler:
    """The projection of an event that only moves statuses forward, at the time ``when``
    reads from it."""

    async def project(e: Any, uow: WorkercenterUnitOfWork) -> None:
        await _project(uow, e.order_id, when(e), lambda row: row.advance(*statuses))

    return project


HANDLERS: Handlers = {
    OrderPlaced: on_order_placed,
    OrderCompleted: on_order_completed,
    OrderCancelled: _moves(attrgetter("cancelled_at"), OrderStatus.CANCELLED),
    CookReceived: _moves(attrgetter("received_at"), CookStatus.RECEIVED),
    # Hall moves the order to COOKING on this same event.
    CookStarted: _moves(attrgetter("started_at"), CookStatus.COOKING, OrderStatus.COOKING),
    Cooked: _moves(attrgetter("cooked_at"), CookStatus.COOKED),
    CookCancelled: _moves(attrgetter("cancelled_at"), CookStatus.CANCELLED),
    PaymentDeducted: _moves(attrgetter("deducted_at"), PaymentStatus.DEDUCTED),
    PaymentCancelled: _moves(attrgetter("cancelled_at"), PaymentStatus.CANCELLED),
    MealReadyMessageSent: on_message_sent,
}
