"""Projections: each event moves one my-page row forward. Nothing here calls a service.

The view publishes nothing (no outbox, no events.py): a row's moves are news of what the
owning services did, not events of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

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
from erestaurant.platform.consumer import Handlers
from erestaurant.workercenter.domain import MyPageRow
from erestaurant.workercenter.unit_of_work import WorkercenterUnitOfWork


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


async def on_order_cancelled(e: OrderCancelled, uow: WorkercenterUnitOfWork) -> None:
    await _project(
        uow, e.order_id, e.cancelled_at, lambda row: row.advance_order(OrderStatus.CANCELLED)
    )


async def on_cook_received(e: CookReceived, uow: WorkercenterUnitOfWork) -> None:
    await _project(
        uow, e.order_id, e.received_at, lambda row: row.advance_cook(CookStatus.RECEIVED)
    )


async def on_cook_started(e: CookStarted, uow: WorkercenterUnitOfWork) -> None:
    def change(row: MyPageRow) -> None:
        row.advance_cook(CookStatus.COOKING)
        # Hall moves the order to COOKING on this same event.
        row.advance_order(OrderStatus.COOKING)

    await _project(uow, e.order_id, e.started_at, change)


async def on_cooked(e: Cooked, uow: WorkercenterUnitOfWork) -> None:
    await _project(uow, e.order_id, e.cooked_at, lambda row: row.advance_cook(CookStatus.COOKED))


async def on_cook_cancelled(e: CookCancelled, uow: WorkercenterUnitOfWork) -> None:
    await _project(
        uow, e.order_id, e.cancelled_at, lambda row: row.advance_cook(CookStatus.CANCELLED)
    )


async def on_payment_deducted(e: PaymentDeducted, uow: WorkercenterUnitOfWork) -> None:
    await _project(
        uow, e.order_id, e.deducted_at, lambda row: row.advance_payment(PaymentStatus.DEDUCTED)
    )


async def on_payment_cancelled(e: PaymentCancelled, uow: WorkercenterUnitOfWork) -> None:
    await _project(
        uow, e.order_id, e.cancelled_at, lambda row: row.advance_payment(PaymentStatus.CANCELLED)
    )


async def on_message_sent(e: MealReadyMessageSent, uow: WorkercenterUnitOfWork) -> None:
    await _project(uow, e.order_id, e.sent_at, MyPageRow.mark_notified)


HANDLERS: Handlers = {
    OrderPlaced: on_order_placed,
    OrderCompleted: on_order_completed,
    OrderCancelled: on_order_cancelled,
    CookReceived: on_cook_received,
    CookStarted: on_cook_started,
    Cooked: on_cooked,
    CookCancelled: on_cook_cancelled,
    PaymentDeducted: on_payment_deducted,
    PaymentCancelled: on_payment_cancelled,
    MealReadyMessageSent: on_message_sent,
}
