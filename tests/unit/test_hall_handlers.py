"""Hall's use cases with a fake unit of work and a fake kitchen."""

from __future__ import annotations

from typing import Any

import pytest

from erestaurant.contracts import (
    CookCancelled,
    Cooked,
    CookStarted,
    EmployeeRegistered,
    IntegrationEvent,
    OrderCancelled,
    OrderCompleted,
    OrderPlaced,
)
from erestaurant.hall import handlers
from erestaurant.hall.domain import (
    Card,
    IdempotencyKeyReused,
    Order,
    OrderNotCancellable,
    OrderStatus,
    UnknownCard,
)
from erestaurant.hall.handlers import PlaceOrder
from erestaurant.hall.kitchen_client import KitchenRefused, KitchenUnavailable

from .fakes import EventHandler, FakeHallUnitOfWork, FakeKitchen, deliver
from .samples import (
    CARD,
    LUNCH,
    cook_cancelled,
    cook_started,
    cooked,
    employee_registered,
    minutes,
)

TAP = PlaceOrder(employee_card_no=CARD, menu_id=1, qty=2, idempotency_key="tap-1")


@pytest.fixture
async def uow(hall_uow: FakeHallUnitOfWork) -> FakeHallUnitOfWork:
    """Hall with one registered card."""
    await deliver(handlers.learn_card, employee_registered(), hall_uow)
    return hall_uow


async def place(uow: FakeHallUnitOfWork, kitchen: FakeKitchen, cmd: PlaceOrder = TAP) -> Order:
    order, _ = await handlers.place_order(cmd, uow, kitchen)
    return order


def set_status(uow: FakeHallUnitOfWork, order_id: str, status: OrderStatus) -> None:
    uow.orders.rows[order_id].status = status


# -- placing an order ------------------------------------------------------------------------


async def test_a_tap_places_an_ordered_order_priced_by_the_kitchen(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    order, created = await handlers.place_order(TAP, uow, fake_kitchen)
    assert created is True
    assert (order.employee_card_no, order.menu_name, order.qty, order.amount, order.status) == (
        CARD,
        "Bibimbap",
        2,
        14000,
        OrderStatus.ORDERED,
    )
    assert order.ordered_at == LUNCH
    assert uow.orders.rows[order.order_id] == order
    assert fake_kitchen.reserve_calls == [order.order_id]  # reserved before it was committed
    assert uow.published_of(OrderPlaced) == [
        OrderPlaced(
            order_id=order.order_id,
            employee_card_no=CARD,
            menu_id=1,
            menu_name="Bibimbap",
            qty=2,
            amount=14000,
            ordered_at=LUNCH,
        )
    ]


async def test_the_same_idempotency_key_gives_the_same_order_and_no_second_one(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    first, _ = await handlers.place_order(TAP, uow, fake_kitchen)
    again, created = await handlers.place_order(TAP, uow, fake_kitchen)
    assert (again.order_id, created) == (first.order_id, False)
    assert again == first
    assert len(uow.orders.rows) == 1
    assert len(uow.published_of(OrderPlaced)) == 1


@pytest.mark.parametrize(
    "other",
    [
        PlaceOrder(CARD, menu_id=2, qty=2, idempotency_key="tap-1"),
        PlaceOrder(CARD, menu_id=1, qty=3, idempotency_key="tap-1"),
    ],
    ids=["other-menu", "other-qty"],
)
async def test_the_same_key_for_another_meal_is_refused(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen, other: PlaceOrder
) -> None:
    fake_kitchen.menus[2] = ("Ramen", 5000)
    await place(uow, fake_kitchen)
    with pytest.raises(IdempotencyKeyReused):
        await handlers.place_order(other, uow, fake_kitchen)
    assert len(uow.orders.rows) == 1
    assert len(uow.published_of(OrderPlaced)) == 1


async def test_the_same_key_from_another_card_is_another_order(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    await deliver(handlers.learn_card, employee_registered("E2002", "Lee Jun"), uow)
    first = await place(uow, fake_kitchen)
    other = await place(uow, fake_kitchen, PlaceOrder("E2002", 1, 2, idempotency_key="tap-1"))
    assert first.order_id != other.order_id
    assert len(uow.published_of(OrderPlaced)) == 2


async def test_taps_without_a_key_are_separate_orders(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    tap = PlaceOrder(CARD, menu_id=1)
    first, second = await place(uow, fake_kitchen, tap), await place(uow, fake_kitchen, tap)
    assert first.order_id != second.order_id
    assert len(uow.orders.rows) == 2


async def test_a_retry_racing_the_first_tap_answers_with_the_first_order(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    winner: list[Order] = []

    async def the_other_request_commits_first() -> None:
        winner.append(await place(uow, fake_kitchen))

    fake_kitchen.during_reserve = the_other_request_commits_first
    order, created = await handlers.place_order(TAP, uow, fake_kitchen)
    assert (order, created) == (winner[0], False)
    assert len(uow.orders.rows) == 1
    assert len(uow.published_of(OrderPlaced)) == 1


async def test_an_unknown_card_cannot_order_and_the_kitchen_is_not_asked(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    with pytest.raises(UnknownCard, match="E9999"):
        await handlers.place_order(PlaceOrder("E9999", 1), uow, fake_kitchen)
    assert fake_kitchen.reserve_calls == []
    assert (uow.orders.rows, uow.published) == ({}, [])


@pytest.mark.parametrize(
    ("kitchen", "code"),
    [
        ({"portions": {1: 1}}, "SOLD_OUT"),
        ({"menus": {}}, "NOT_ON_MENU"),
    ],
    ids=["sold-out", "not-on-menu"],
)
async def test_the_kitchens_refusal_is_passed_through_and_nothing_is_ordered(
    uow: FakeHallUnitOfWork, kitchen: dict[str, Any], code: str
) -> None:
    with pytest.raises(KitchenRefused) as refused:
        await handlers.place_order(TAP, uow, FakeKitchen(**kitchen))
    assert refused.value.code == code
    assert (uow.orders.rows, uow.published) == ({}, [])


async def test_an_unreachable_kitchen_means_no_order(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    fake_kitchen.down = True
    with pytest.raises(KitchenUnavailable):
        await handlers.place_order(TAP, uow, fake_kitchen)
    assert (uow.orders.rows, uow.published) == ({}, [])


async def test_a_tap_retried_after_a_refusal_can_succeed(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    fake_kitchen.down = True
    with pytest.raises(KitchenUnavailable):
        await handlers.place_order(TAP, uow, fake_kitchen)
    fake_kitchen.down = False
    _, created = await handlers.place_order(TAP, uow, fake_kitchen)
    assert created is True
    assert len(uow.published_of(OrderPlaced)) == 1


# -- looking an order up ---------------------------------------------------------------------


async def test_an_order_can_be_looked_up(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    order = await place(uow, fake_kitchen)
    assert await handlers.get_order(order.order_id, uow) == order


async def test_an_unknown_order_is_not_found(uow: FakeHallUnitOfWork) -> None:
    with pytest.raises(handlers.OrderNotFound):
        await handlers.get_order("nobody", uow)


# -- cancelling ------------------------------------------------------------------------------


async def test_cancelling_before_cooking_tells_the_kitchen_and_publishes_order_cancelled(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    order = await place(uow, fake_kitchen)
    cancelled = await handlers.cancel_order(order.order_id, uow, fake_kitchen)
    assert cancelled.status is OrderStatus.CANCELLED
    assert uow.orders.rows[order.order_id].status is OrderStatus.CANCELLED
    assert fake_kitchen.cancel_calls == [order.order_id]
    assert uow.published_of(OrderCancelled) == [
        OrderCancelled(order_id=order.order_id, employee_card_no=CARD, cancelled_at=LUNCH)
    ]


async def test_cancelling_twice_cancels_once(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    order = await place(uow, fake_kitchen)
    await handlers.cancel_order(order.order_id, uow, fake_kitchen)
    again = await handlers.cancel_order(order.order_id, uow, fake_kitchen)
    assert again.status is OrderStatus.CANCELLED
    assert fake_kitchen.cancel_calls == [order.order_id]
    assert len(uow.published_of(OrderCancelled)) == 1


@pytest.mark.parametrize("status", [OrderStatus.COOKING, OrderStatus.COMPLETED])
async def test_an_order_being_cooked_cannot_be_cancelled(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen, status: OrderStatus
) -> None:
    order = await place(uow, fake_kitchen)
    set_status(uow, order.order_id, status)
    with pytest.raises(OrderNotCancellable):
        await handlers.cancel_order(order.order_id, uow, fake_kitchen)
    assert fake_kitchen.cancel_calls == []
    assert uow.orders.rows[order.order_id].status is status
    assert uow.published_of(OrderCancelled) == []


async def test_when_the_kitchen_says_cooking_started_the_order_stays_ordered(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    order = await place(uow, fake_kitchen)
    fake_kitchen.cooking.add(order.order_id)  # hall has not heard CookStarted yet
    with pytest.raises(KitchenRefused) as refused:
        await handlers.cancel_order(order.order_id, uow, fake_kitchen)
    assert refused.value.code == "COOKING_STARTED"
    assert uow.orders.rows[order.order_id].status is OrderStatus.ORDERED
    assert uow.published_of(OrderCancelled) == []


async def test_an_unreachable_kitchen_leaves_the_order_as_it_was(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    order = await place(uow, fake_kitchen)
    fake_kitchen.down = True
    with pytest.raises(KitchenUnavailable):
        await handlers.cancel_order(order.order_id, uow, fake_kitchen)
    assert uow.orders.rows[order.order_id].status is OrderStatus.ORDERED
    assert uow.published_of(OrderCancelled) == []


async def test_cancelling_an_unknown_order_is_not_found(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    with pytest.raises(handlers.OrderNotFound):
        await handlers.cancel_order("nobody", uow, fake_kitchen)
    assert fake_kitchen.cancel_calls == []


# -- EmployeeRegistered ----------------------------------------------------------------------


async def test_a_registered_employee_can_order(
    hall_uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    await deliver(handlers.learn_card, employee_registered("E2002", "Lee Jun"), hall_uow)
    assert hall_uow.cards.rows["E2002"] == Card("E2002", "Lee Jun")
    _, created = await handlers.place_order(PlaceOrder("E2002", 1), hall_uow, fake_kitchen)
    assert created is True


async def test_a_card_registered_again_keeps_one_card_with_the_latest_name(
    uow: FakeHallUnitOfWork,
) -> None:
    await deliver(handlers.learn_card, employee_registered(CARD, "Kim Minji-2"), uow)
    assert uow.cards.rows == {CARD: Card(CARD, "Kim Minji-2")}
    assert uow.published == []


# -- the kitchen's progress ------------------------------------------------------------------


async def test_cooking_started_moves_the_order_to_cooking(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    order = await place(uow, fake_kitchen)
    await deliver(handlers.mark_cooking, cook_started(order.order_id), uow)
    stored = uow.orders.rows[order.order_id]
    assert (stored.status, stored.updated_at) == (OrderStatus.COOKING, minutes(2))
    assert uow.published_of(OrderCompleted) == []


async def test_cooking_started_for_a_cancelled_order_changes_nothing(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    order = await place(uow, fake_kitchen)
    await handlers.cancel_order(order.order_id, uow, fake_kitchen)
    assert await deliver(handlers.mark_cooking, cook_started(order.order_id), uow)
    assert uow.orders.rows[order.order_id].status is OrderStatus.CANCELLED


async def test_cooked_completes_the_order_and_publishes_order_completed(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    order = await place(uow, fake_kitchen)
    await deliver(handlers.mark_cooking, cook_started(order.order_id), uow)
    await deliver(handlers.complete_order, cooked(order.order_id), uow)
    assert uow.orders.rows[order.order_id].status is OrderStatus.COMPLETED
    assert uow.published_of(OrderCompleted) == [
        OrderCompleted(
            order_id=order.order_id,
            employee_card_no=CARD,
            menu_name="Bibimbap",
            qty=2,
            amount=14000,
            completed_at=minutes(10),
        )
    ]


async def test_cooked_overtaking_cooking_started_still_ends_completed(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    order = await place(uow, fake_kitchen)
    await deliver(handlers.complete_order, cooked(order.order_id), uow)
    await deliver(handlers.mark_cooking, cook_started(order.order_id), uow)
    assert uow.orders.rows[order.order_id].status is OrderStatus.COMPLETED
    assert len(uow.published_of(OrderCompleted)) == 1


async def test_cooked_published_twice_completes_the_order_once(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    order = await place(uow, fake_kitchen)
    await deliver(handlers.complete_order, cooked(order.order_id), uow)
    await deliver(handlers.complete_order, cooked(order.order_id), uow)
    assert len(uow.published_of(OrderCompleted)) == 1


async def test_a_cancelled_order_is_never_completed(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    order = await place(uow, fake_kitchen)
    await handlers.cancel_order(order.order_id, uow, fake_kitchen)
    await deliver(handlers.complete_order, cooked(order.order_id), uow)
    assert uow.orders.rows[order.order_id].status is OrderStatus.CANCELLED
    assert uow.published_of(OrderCompleted) == []


@pytest.mark.parametrize(
    ("handler", "event"),
    [
        (handlers.mark_cooking, cook_started("nobody")),
        (handlers.complete_order, cooked("nobody")),
        (handlers.follow_kitchen_cancel, cook_cancelled("nobody")),
    ],
    ids=["cook-started", "cooked", "cook-cancelled"],
)
async def test_news_of_an_unknown_order_changes_nothing(
    uow: FakeHallUnitOfWork, handler: EventHandler, event: IntegrationEvent
) -> None:
    assert await deliver(handler, event, uow)
    assert (uow.orders.rows, uow.published) == ({}, [])


async def test_a_kitchen_cancel_that_hall_missed_cancels_the_order(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    order = await place(uow, fake_kitchen)
    await deliver(handlers.follow_kitchen_cancel, cook_cancelled(order.order_id), uow)
    assert uow.orders.rows[order.order_id].status is OrderStatus.CANCELLED
    assert uow.published_of(OrderCancelled) == [
        OrderCancelled(order_id=order.order_id, employee_card_no=CARD, cancelled_at=minutes(1))
    ]


async def test_a_kitchen_cancel_of_an_order_hall_already_cancelled_publishes_nothing_more(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    order = await place(uow, fake_kitchen)
    await handlers.cancel_order(order.order_id, uow, fake_kitchen)
    await deliver(handlers.follow_kitchen_cancel, cook_cancelled(order.order_id), uow)
    assert len(uow.published_of(OrderCancelled)) == 1


def test_hall_follows_registrations_and_the_kitchen() -> None:
    assert dict(handlers.HANDLERS) == {
        EmployeeRegistered: handlers.learn_card,
        CookStarted: handlers.mark_cooking,
        Cooked: handlers.complete_order,
        CookCancelled: handlers.follow_kitchen_cancel,
    }
