"""Hall's use cases with a fake unit of work and a fake kitchen."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
from argon2 import PasswordHasher

from erestaurant.contracts import (
    CookCancelled,
    Cooked,
    CookStarted,
    EmployeeDeactivated,
    EmployeePinSet,
    EmployeeRegistered,
    IntegrationEvent,
    OrderCancelled,
    OrderCompleted,
    OrderPlaced,
)
from erestaurant.contracts.statuses import OrderStatus
from erestaurant.hall import handlers, pins
from erestaurant.hall.domain import (
    PIN_LOCK,
    PIN_TRIES,
    CardDeactivated,
    IdempotencyKeyReused,
    Order,
    OrderNotCancellable,
    PinLocked,
    PinNotSet,
    PinRequired,
    UnknownCard,
    WrongPin,
)
from erestaurant.hall.handlers import PlaceOrder
from erestaurant.hall.kitchen_client import KitchenRefused, KitchenUnavailable

from .conftest import FrozenClock
from .fakes import EventHandler, deliver
from .fakes.hall import FakeHallUnitOfWork, FakeKitchen
from .samples import (
    CARD,
    LUNCH,
    PIN,
    QUICK_HASHER,
    cook_cancelled,
    cook_started,
    cooked,
    employee_deactivated,
    employee_pin_set,
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


# -- the cards: registered, deactivated -------------------------------------------------------

ON_EVENT = handlers.HANDLERS


async def arrive(uow: FakeHallUnitOfWork, *events: IntegrationEvent) -> None:
    """Each event delivered once, as its own message, in the order given."""
    for event in events:
        await deliver(ON_EVENT[type(event)], event, uow)


async def test_a_registered_employee_can_order(
    hall_uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    await deliver(handlers.learn_card, employee_registered("E2002", "Lee Jun"), hall_uow)
    card = hall_uow.cards.rows["E2002"]
    assert (card.name, card.registered_at, card.active) == ("Lee Jun", minutes(-60), True)
    _, created = await handlers.place_order(PlaceOrder("E2002", 1), hall_uow, fake_kitchen)
    assert created is True


async def test_a_card_issued_again_keeps_one_card_with_the_latest_name(
    uow: FakeHallUnitOfWork,
) -> None:
    await arrive(uow, employee_deactivated(), employee_registered(CARD, "Lee Jun", at=-10))
    assert list(uow.cards.rows) == [CARD]
    assert uow.cards.rows[CARD].name == "Lee Jun"
    assert uow.published == []


async def test_a_deactivated_card_cannot_order_and_the_kitchen_is_not_asked(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    await arrive(uow, employee_deactivated())
    with pytest.raises(CardDeactivated, match=CARD):
        await handlers.place_order(TAP, uow, fake_kitchen)
    assert fake_kitchen.reserve_calls == []
    assert (uow.orders.rows, uow.published) == ({}, [])


async def test_a_card_registered_again_after_its_deactivation_orders_again(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    await arrive(uow, employee_deactivated(), employee_registered(at=-10))
    _, created = await handlers.place_order(TAP, uow, fake_kitchen)
    assert created is True


async def test_a_deactivation_that_overtook_its_registration_still_holds(
    hall_uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    await arrive(hall_uow, employee_deactivated())  # hall has never heard of the card
    with pytest.raises(CardDeactivated):
        await handlers.place_order(TAP, hall_uow, fake_kitchen)
    await arrive(hall_uow, employee_registered())  # the registration it followed, late
    with pytest.raises(CardDeactivated):
        await handlers.place_order(TAP, hall_uow, fake_kitchen)
    assert hall_uow.cards.rows[CARD].name == "Kim Minji"


NEWS = {
    "registered": employee_registered(at=-60),
    "deactivated": employee_deactivated(at=-30),
    "issued-again": employee_registered(name="Lee Jun", at=-10),
}


@pytest.mark.parametrize(
    "arrival",
    sorted(set(itertools.permutations(["registered", "deactivated", "deactivated"]))),
    ids="-".join,
)
async def test_a_card_stays_deactivated_whatever_order_and_duplicates_its_news_came_in(
    hall_uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen, arrival: tuple[str, ...]
) -> None:
    await arrive(hall_uow, *(NEWS[name] for name in arrival))
    with pytest.raises(CardDeactivated):
        await handlers.place_order(TAP, hall_uow, fake_kitchen)


@pytest.mark.parametrize(
    "arrival",
    list(itertools.permutations(["registered", "deactivated", "issued-again"])),
    ids="-".join,
)
async def test_a_card_issued_again_orders_whatever_order_its_news_came_in(
    hall_uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen, arrival: tuple[str, ...]
) -> None:
    await arrive(hall_uow, *(NEWS[name] for name in arrival))
    await arrive(hall_uow, *(NEWS[name] for name in arrival))  # and all of it once more
    card = hall_uow.cards.rows[CARD]
    assert (card.name, card.registered_at, card.deactivated_at) == (
        "Lee Jun",
        minutes(-10),
        minutes(-30),
    )
    _, created = await handlers.place_order(TAP, hall_uow, fake_kitchen)
    assert created is True


# -- the kiosk's PIN -------------------------------------------------------------------------


def pin_tap(pin: str | None = PIN, key: str | None = None) -> PlaceOrder:
    return PlaceOrder(CARD, menu_id=1, qty=1, idempotency_key=key, pin=pin)


async def place_with_pin(
    uow: FakeHallUnitOfWork, kitchen: FakeKitchen, pin: str | None = PIN
) -> Order:
    order, _ = await handlers.place_order(pin_tap(pin), uow, kitchen, pins.matches)
    return order


@pytest.fixture
async def pin_uow(uow: FakeHallUnitOfWork) -> FakeHallUnitOfWork:
    """Hall with one registered card that has a PIN."""
    await arrive(uow, employee_pin_set())
    return uow


async def test_the_right_pin_places_the_order(
    pin_uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    order = await place_with_pin(pin_uow, fake_kitchen)
    assert pin_uow.orders.rows[order.order_id] == order
    assert len(pin_uow.published_of(OrderPlaced)) == 1


@pytest.mark.parametrize(
    ("pin", "refusal"), [(None, PinRequired), ("1234", WrongPin)], ids=["missing", "wrong"]
)
async def test_no_pin_or_a_wrong_one_places_nothing_and_the_kitchen_is_not_asked(
    pin_uow: FakeHallUnitOfWork,
    fake_kitchen: FakeKitchen,
    pin: str | None,
    refusal: type[Exception],
) -> None:
    with pytest.raises(refusal):
        await place_with_pin(pin_uow, fake_kitchen, pin)
    assert fake_kitchen.reserve_calls == []
    assert (pin_uow.orders.rows, pin_uow.published) == ({}, [])


@pytest.mark.parametrize("pin", [PIN, None])
async def test_a_card_without_a_pin_cannot_order_where_kiosks_ask_for_one(
    uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen, pin: str | None
) -> None:
    with pytest.raises(PinNotSet, match=CARD):
        await place_with_pin(uow, fake_kitchen, pin)
    assert fake_kitchen.reserve_calls == []


async def test_a_wrong_pin_is_counted_on_the_card_and_says_the_tries_left(
    pin_uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    with pytest.raises(WrongPin) as wrong:
        await place_with_pin(pin_uow, fake_kitchen, "0000")
    assert wrong.value.tries_left == PIN_TRIES - 1
    assert pin_uow.cards.rows[CARD].wrong_pins == 1


async def lock(uow: FakeHallUnitOfWork, kitchen: FakeKitchen) -> list[int]:
    """Wrong PINs until the card locks; the tries left after each."""
    left = []
    for _ in range(PIN_TRIES):
        with pytest.raises(WrongPin) as wrong:
            await place_with_pin(uow, kitchen, "0000")
        left.append(wrong.value.tries_left)
    return left


async def test_five_wrong_pins_in_a_row_lock_the_card_for_five_minutes(
    pin_uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen, frozen_clock: FrozenClock
) -> None:
    assert await lock(pin_uow, fake_kitchen) == [4, 3, 2, 1, 0]
    frozen_clock.advance(minutes=4, seconds=59.5)
    with pytest.raises(PinLocked) as locked:
        await place_with_pin(pin_uow, fake_kitchen)  # even the right PIN
    assert locked.value.seconds_left(frozen_clock.now()) == 1
    assert locked.value.until == LUNCH + PIN_LOCK
    assert fake_kitchen.reserve_calls == []


async def test_a_locked_card_orders_again_with_the_right_pin_once_the_lock_is_over(
    pin_uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen, frozen_clock: FrozenClock
) -> None:
    await lock(pin_uow, fake_kitchen)
    frozen_clock.advance(minutes=5)
    await place_with_pin(pin_uow, fake_kitchen)
    assert pin_uow.cards.rows[CARD].wrong_pins == 0


async def test_a_right_pin_starts_the_count_of_wrong_ones_again(
    pin_uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    for _ in range(PIN_TRIES - 1):
        with pytest.raises(WrongPin):
            await place_with_pin(pin_uow, fake_kitchen, "0000")
    await place_with_pin(pin_uow, fake_kitchen)
    assert pin_uow.cards.rows[CARD].wrong_pins == 0
    with pytest.raises(WrongPin) as wrong:
        await place_with_pin(pin_uow, fake_kitchen, "0000")
    assert wrong.value.tries_left == PIN_TRIES - 1


async def test_a_right_pin_checked_while_other_kiosks_locked_the_card_is_refused(
    pin_uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    async def checked_while_locked(pin_hash: str, pin: str) -> bool:
        pin_uow.cards.rows[CARD].pin_locked_until = minutes(5)  # the other kiosks' tries
        return await pins.matches(pin_hash, pin)

    with pytest.raises(PinLocked):
        await handlers.place_order(pin_tap(), pin_uow, fake_kitchen, checked_while_locked)
    assert fake_kitchen.reserve_calls == []


async def test_a_retried_tap_is_answered_with_its_order_without_asking_the_pin_again(
    pin_uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    first, _ = await handlers.place_order(pin_tap(key="tap-9"), pin_uow, fake_kitchen, pins.matches)
    again, created = await handlers.place_order(
        pin_tap(None, key="tap-9"), pin_uow, fake_kitchen, pins.matches
    )
    assert (again, created) == (first, False)


@pytest.mark.parametrize("pin", [None, PIN, "0000"], ids=["none", "right", "wrong"])
async def test_with_kiosk_pins_off_a_pin_is_ignored(
    pin_uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen, pin: str | None
) -> None:
    card_before = pin_uow.cards.rows[CARD]
    order, created = await handlers.place_order(pin_tap(pin), pin_uow, fake_kitchen)
    assert created is True
    assert pin_uow.orders.rows[order.order_id] == order
    assert pin_uow.cards.rows[CARD] == card_before


async def test_a_new_pin_takes_the_place_of_the_old_and_unlocks_the_card(
    pin_uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    await lock(pin_uow, fake_kitchen)
    await arrive(pin_uow, employee_pin_set(pin_hash=QUICK_HASHER.hash("1357"), at=1))
    with pytest.raises(WrongPin):
        await place_with_pin(pin_uow, fake_kitchen, PIN)
    await place_with_pin(pin_uow, fake_kitchen, "1357")


async def test_a_pin_that_overtook_its_registration_is_kept(
    hall_uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    await arrive(hall_uow, employee_pin_set(), employee_registered())
    await place_with_pin(hall_uow, fake_kitchen)


async def test_the_last_holders_pin_does_not_open_a_card_issued_again(
    hall_uow: FakeHallUnitOfWork, fake_kitchen: FakeKitchen
) -> None:
    await arrive(
        hall_uow,
        employee_registered(),
        employee_deactivated(),
        employee_registered(name="Lee Jun", at=-10),
        employee_pin_set(at=-50),  # Kim's, redelivered late
    )
    with pytest.raises(PinNotSet):
        await place_with_pin(hall_uow, fake_kitchen)


async def test_a_pin_published_twice_is_kept_once(hall_uow: FakeHallUnitOfWork) -> None:
    await arrive(hall_uow, employee_registered(), employee_pin_set(), employee_pin_set())
    assert list(hall_uow.cards.rows) == [CARD]
    assert hall_uow.cards.rows[CARD].pin_set_at == minutes(-50)


# -- checking a PIN against its hash ---------------------------------------------------------


async def test_a_pin_matches_its_own_hash_only() -> None:
    pin_hash = QUICK_HASHER.hash(PIN)
    assert await pins.matches(pin_hash, PIN) is True
    assert await pins.matches(pin_hash, "4822") is False
    assert await pins.matches(pin_hash, "") is False


async def test_no_pin_matches_a_hash_that_is_not_argon2(caplog: pytest.LogCaptureFixture) -> None:
    assert await pins.matches("not-a-hash", PIN) is False
    assert "not an argon2 hash" in caplog.text


async def test_checking_a_pin_leaves_the_event_loop_serving() -> None:
    slow = PasswordHasher(time_cost=4, memory_cost=32 * 1024, parallelism=1).hash(PIN)
    ticks = 0

    async def serve_others() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.001)
            ticks += 1

    others = asyncio.create_task(serve_others())
    try:
        assert await pins.matches(slow, PIN) is True
    finally:
        others.cancel()
    assert ticks >= 5  # on the loop's thread, it would have been 0 or 1


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


def test_hall_follows_the_cards_and_the_kitchen() -> None:
    assert dict(handlers.HANDLERS) == {
        EmployeeRegistered: handlers.learn_card,
        EmployeeDeactivated: handlers.learn_card_deactivated,
        EmployeePinSet: handlers.learn_pin,
        CookStarted: handlers.mark_cooking,
        Cooked: handlers.complete_order,
        CookCancelled: handlers.follow_kitchen_cancel,
    }
