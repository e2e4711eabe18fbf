"""Notification's one mapping from domain events to the integration events it publishes."""

from __future__ import annotations

import pytest

from erestaurant.contracts import MealReadyMessageSent
from erestaurant.notification.domain import IN_APP, MealReadyMessageWasSent, Message
from erestaurant.notification.events import integration_event, publish
from erestaurant.platform.domain import DomainEvent

from .fakes.notification import FakeNotificationUnitOfWork
from .samples import CARD, LUNCH


def test_a_sent_message_is_published_with_the_fields_it_always_had() -> None:
    event = integration_event(MealReadyMessageWasSent("order-1", CARD, IN_APP, LUNCH))
    assert event == MealReadyMessageSent(
        order_id="order-1", employee_card_no=CARD, channel=IN_APP, sent_at=LUNCH
    )
    assert event.to_payload() == {
        "orderId": "order-1",
        "employeeCardNo": CARD,
        "channel": IN_APP,
        "sentAt": "2026-11-30T03:00:00Z",
    }


def test_an_event_notification_does_not_publish_is_refused() -> None:
    class Unheard(DomainEvent):
        pass

    with pytest.raises(TypeError, match="Unheard"):
        integration_event(Unheard())


async def test_publish_emits_each_recorded_event_once(
    notification_uow: FakeNotificationUnitOfWork,
) -> None:
    message = Message.meal_ready("order-1", CARD, "Bibimbap", 1, LUNCH)
    async with notification_uow:
        publish(notification_uow, message)
        publish(notification_uow, message)
        await notification_uow.commit()
    assert notification_uow.published_of(MealReadyMessageSent) == [
        MealReadyMessageSent(
            order_id="order-1", employee_card_no=CARD, channel=IN_APP, sent_at=LUNCH
        )
    ]
