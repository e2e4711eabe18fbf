"""The "your meal is ready" message."""

from __future__ import annotations

import pytest

from erestaurant.contracts.statuses import MessageStatus
from erestaurant.notification.domain import IN_APP, MealReadyMessageWasSent, Message

from .samples import CARD, minutes


@pytest.mark.parametrize(
    ("qty", "text"),
    [
        (1, "Your Bibimbap is ready. Please pick it up at the counter."),
        (3, "Your Bibimbap x3 is ready. Please pick it up at the counter."),
    ],
)
def test_the_message_names_the_meal_and_how_many(qty: int, text: str) -> None:
    assert Message.meal_ready("order-1", CARD, "Bibimbap", qty, minutes(11)).text == text


def test_the_message_goes_in_app_to_the_employee_as_sent() -> None:
    message = Message.meal_ready("order-1", CARD, "Bibimbap", 1, minutes(11))
    assert (message.order_id, message.employee_card_no, message.channel) == (
        "order-1",
        CARD,
        IN_APP,
    )
    assert (message.status, message.sent_at) == (MessageStatus.SENT, minutes(11))


def test_the_message_records_that_it_was_sent_once() -> None:
    message = Message.meal_ready("order-1", CARD, "Bibimbap", 2, minutes(11))
    assert message.take_events() == [MealReadyMessageWasSent("order-1", CARD, IN_APP, minutes(11))]
    assert message.take_events() == []
