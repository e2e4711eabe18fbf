"""Hall's one mapping from what happened to an order to what the others are told."""

from __future__ import annotations

import pytest

from erestaurant.contracts import OrderCancelled, OrderCompleted, OrderPlaced
from erestaurant.hall.domain import (
    Order,
    OrderWasCancelled,
    OrderWasCompleted,
    OrderWasPlaced,
)
from erestaurant.hall.events import integration_event, publish
from erestaurant.platform.domain import DomainEvent

from .fakes.hall import FakeHallUnitOfWork
from .samples import CARD, LUNCH, minutes


def placed() -> Order:
    return Order.place(
        order_id="order-1",
        employee_card_no=CARD,
        menu_id=1,
        menu_name="Bibimbap",
        qty=2,
        amount=14000,
        ordered_at=LUNCH,
        placed_by="kiosk-1",
    )


def test_each_domain_event_becomes_its_integration_event() -> None:
    order = placed()
    assert integration_event(OrderWasPlaced(order)) == OrderPlaced(
        order_id="order-1",
        employee_card_no=CARD,
        menu_id=1,
        menu_name="Bibimbap",
        qty=2,
        amount=14000,
        ordered_at=LUNCH,
    )
    assert integration_event(OrderWasCancelled(order, cancelled_at=minutes(1))) == (
        OrderCancelled(order_id="order-1", employee_card_no=CARD, cancelled_at=minutes(1))
    )
    assert integration_event(OrderWasCompleted(order, completed_at=minutes(10))) == (
        OrderCompleted(
            order_id="order-1",
            employee_card_no=CARD,
            menu_name="Bibimbap",
            qty=2,
            amount=14000,
            completed_at=minutes(10),
        )
    )


def test_a_domain_event_hall_does_not_publish_is_a_bug() -> None:
    class Unheard(DomainEvent):
        pass

    with pytest.raises(TypeError, match="Unheard"):
        integration_event(Unheard())


async def test_publish_emits_what_each_order_recorded_once(
    hall_uow: FakeHallUnitOfWork,
) -> None:
    first, second = placed(), placed()
    second.cancel(minutes(1))
    async with hall_uow:
        publish(hall_uow, first, second)
        publish(hall_uow, first, second)
        await hall_uow.commit()
    assert [type(event) for event in hall_uow.published] == [
        OrderPlaced,
        OrderPlaced,
        OrderCancelled,
    ]
