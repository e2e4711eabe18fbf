"""The kitchen's one mapping from its domain events to the integration events it publishes."""

from __future__ import annotations

import pytest

from erestaurant.contracts import (
    CookCancelled,
    Cooked,
    CookReceived,
    CookStarted,
    IntegrationEvent,
    MenuChanged,
    MenuRegistered,
)
from erestaurant.kitchen.domain import (
    CookingWasCancelled,
    CookingWasStarted,
    MealWasCooked,
    Menu,
    MenuWasChanged,
    MenuWasRegistered,
    TicketWasOpened,
)
from erestaurant.kitchen.events import integration_event, publish
from erestaurant.platform.domain import DomainEvent

from .fakes.kitchen import FakeKitchenUnitOfWork
from .samples import LUNCH


@pytest.mark.parametrize(
    ("event", "published"),
    [
        (
            MenuWasRegistered(3, "Bibimbap", 7000, 10, True, LUNCH),
            MenuRegistered(
                menu_id=3,
                name="Bibimbap",
                price=7000,
                daily_portions=10,
                on_menu=True,
                registered_at=LUNCH,
            ),
        ),
        (
            MenuWasChanged(3, "Bibimbap", 8000, 12, False, LUNCH),
            MenuChanged(
                menu_id=3,
                name="Bibimbap",
                price=8000,
                daily_portions=12,
                on_menu=False,
                changed_at=LUNCH,
            ),
        ),
        (
            TicketWasOpened(7, "order-1", 3, "Bibimbap", 2, LUNCH),
            CookReceived(
                cook_id=7,
                order_id="order-1",
                menu_id=3,
                menu_name="Bibimbap",
                qty=2,
                received_at=LUNCH,
            ),
        ),
        (
            CookingWasStarted(7, "order-1", LUNCH),
            CookStarted(cook_id=7, order_id="order-1", started_at=LUNCH),
        ),
        (
            MealWasCooked(7, "order-1", LUNCH),
            Cooked(cook_id=7, order_id="order-1", cooked_at=LUNCH),
        ),
        (
            CookingWasCancelled(7, "order-1", LUNCH),
            CookCancelled(cook_id=7, order_id="order-1", cancelled_at=LUNCH),
        ),
        (
            CookingWasCancelled(None, "order-1", LUNCH),
            CookCancelled(cook_id=None, order_id="order-1", cancelled_at=LUNCH),
        ),
    ],
    ids=lambda value: type(value).__name__,
)
def test_each_domain_event_becomes_its_integration_event(
    event: DomainEvent, published: IntegrationEvent
) -> None:
    assert integration_event(event) == published


def test_an_event_with_no_contract_is_refused() -> None:
    class SomethingElse(DomainEvent):
        pass

    with pytest.raises(TypeError, match="SomethingElse"):
        integration_event(SomethingElse())


async def test_publishing_emits_what_each_aggregate_recorded_once() -> None:
    uow = FakeKitchenUnitOfWork()
    first, second = Menu("Bibimbap", 7000, 10, menu_id=1), Menu("Ramen", 5000, 30, menu_id=2)
    first.registered(LUNCH)
    second.registered(LUNCH)
    async with uow:
        publish(uow, first, second)
        publish(uow, first, second)  # taken already: nothing more
        await uow.commit()
    assert [event.menu_id for event in uow.published_of(MenuRegistered)] == [1, 2]
    assert len(uow.published) == 2
