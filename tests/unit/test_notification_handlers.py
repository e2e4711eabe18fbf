"""Notification: one "your meal is ready" message per completed order."""

from __future__ import annotations

from erestaurant.contracts import MealReadyMessageSent, OrderCompleted
from erestaurant.notification import handlers
from erestaurant.notification.domain import IN_APP, Message

from .fakes import deliver, envelope_of
from .fakes.notification import FakeNotificationUnitOfWork
from .samples import CARD, LUNCH, order_completed


async def test_a_completed_order_sends_its_employee_one_message(
    notification_uow: FakeNotificationUnitOfWork,
) -> None:
    await deliver(handlers.send_meal_ready, order_completed(qty=2), notification_uow)
    assert notification_uow.messages.rows == {
        "order-1": Message(
            "order-1",
            CARD,
            IN_APP,
            "Your Bibimbap x2 is ready. Please pick it up at the counter.",
            LUNCH,
        )
    }
    assert notification_uow.published == [
        MealReadyMessageSent(
            order_id="order-1", employee_card_no=CARD, channel=IN_APP, sent_at=LUNCH
        )
    ]


async def test_a_redelivered_order_completed_is_skipped(
    notification_uow: FakeNotificationUnitOfWork,
) -> None:
    envelope = envelope_of(order_completed())
    assert await deliver(handlers.send_meal_ready, order_completed(), notification_uow, envelope)
    assert not await deliver(
        handlers.send_meal_ready, order_completed(), notification_uow, envelope
    )
    assert len(notification_uow.messages.rows) == 1
    assert len(notification_uow.published) == 1


async def test_order_completed_published_twice_still_sends_one_message(
    notification_uow: FakeNotificationUnitOfWork,
) -> None:
    await deliver(handlers.send_meal_ready, order_completed(), notification_uow)
    await deliver(handlers.send_meal_ready, order_completed(), notification_uow)
    assert len(notification_uow.messages.rows) == 1
    assert len(notification_uow.published) == 1


async def test_each_order_gets_its_own_message(
    notification_uow: FakeNotificationUnitOfWork,
) -> None:
    await deliver(handlers.send_meal_ready, order_completed("order-1"), notification_uow)
    await deliver(handlers.send_meal_ready, order_completed("order-2"), notification_uow)
    assert sorted(notification_uow.messages.rows) == ["order-1", "order-2"]


def test_notification_follows_completed_orders() -> None:
    assert dict(handlers.HANDLERS) == {OrderCompleted: handlers.send_meal_ready}
