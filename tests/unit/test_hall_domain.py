"""Hall's model: an order goes ORDERED -> COOKING -> COMPLETED, or ORDERED -> CANCELLED;
a card may order while it is registered and not deactivated since, and counts wrong PINs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from erestaurant.contracts.statuses import OrderStatus
from erestaurant.hall.domain import (
    PIN_LOCK,
    PIN_TRIES,
    Card,
    CardDeactivated,
    IllegalOrderTransition,
    Order,
    OrderNotCancellable,
    OrderWasCancelled,
    OrderWasCompleted,
    OrderWasPlaced,
    PinLocked,
    PinNotSet,
    PinRequired,
    UnknownCard,
)

from .samples import CARD, LUNCH, minutes

ORDERED, COOKING, COMPLETED, CANCELLED = (
    OrderStatus.ORDERED,
    OrderStatus.COOKING,
    OrderStatus.COMPLETED,
    OrderStatus.CANCELLED,
)


def order(status: OrderStatus = ORDERED) -> Order:
    return Order("order-1", CARD, 1, "Bibimbap", 2, 14000, LUNCH, status=status)


def test_a_new_order_is_ordered_and_never_updated() -> None:
    new = order()
    assert (new.status, new.updated_at) == (ORDERED, None)


@pytest.mark.parametrize(
    ("card", "menu_id", "qty", "same"),
    [
        (CARD, 1, 2, True),
        ("E2002", 1, 2, False),
        (CARD, 2, 2, False),
        (CARD, 1, 1, False),
    ],
)
def test_the_same_request_is_the_same_card_menu_and_quantity(
    card: str, menu_id: int, qty: int, same: bool
) -> None:
    assert order().is_same_request(card, menu_id, qty) is same


# -- start cooking ---------------------------------------------------------------------------


def test_an_ordered_meal_starts_cooking() -> None:
    placed = order()
    assert placed.start_cooking(minutes(2)) is True
    assert (placed.status, placed.updated_at) == (COOKING, minutes(2))


@pytest.mark.parametrize("status", [COOKING, COMPLETED])
def test_a_late_cooking_start_changes_nothing(status: OrderStatus) -> None:
    later = order(status)
    assert later.start_cooking(minutes(2)) is False
    assert (later.status, later.updated_at) == (status, None)


def test_a_cancelled_order_cannot_be_cooked() -> None:
    cancelled = order(CANCELLED)
    with pytest.raises(IllegalOrderTransition, match="cancelled"):
        cancelled.start_cooking(minutes(2))
    assert cancelled.status is CANCELLED


# -- complete --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [ORDERED, COOKING], ids=["start-not-heard-yet", "cooking"])
def test_an_order_completes_when_its_cooking_finishes(status: OrderStatus) -> None:
    cooking = order(status)
    assert cooking.complete(minutes(10)) is True
    assert (cooking.status, cooking.updated_at) == (COMPLETED, minutes(10))


def test_completing_a_completed_order_is_a_no_op() -> None:
    done = order(COMPLETED)
    assert done.complete(minutes(10)) is False
    assert (done.status, done.updated_at) == (COMPLETED, None)


def test_a_cancelled_order_cannot_be_completed() -> None:
    cancelled = order(CANCELLED)
    with pytest.raises(IllegalOrderTransition, match="cancelled"):
        cancelled.complete(minutes(10))
    assert cancelled.status is CANCELLED


# -- cancel ----------------------------------------------------------------------------------


def test_an_ordered_meal_can_be_cancelled() -> None:
    placed = order()
    assert placed.cancel(minutes(1)) is True
    assert (placed.status, placed.updated_at) == (CANCELLED, minutes(1))


def test_cancelling_twice_is_a_no_op() -> None:
    cancelled = order(CANCELLED)
    assert cancelled.cancel(minutes(1)) is False
    assert (cancelled.status, cancelled.updated_at) == (CANCELLED, None)


@pytest.mark.parametrize("status", [COOKING, COMPLETED])
def test_an_order_cannot_be_cancelled_once_cooking_started(status: OrderStatus) -> None:
    started = order(status)
    with pytest.raises(OrderNotCancellable, match="already"):
        started.cancel(minutes(3))
    assert (started.status, started.updated_at) == (status, None)


def test_not_cancellable_is_an_illegal_order_transition() -> None:
    assert issubclass(OrderNotCancellable, IllegalOrderTransition)


@pytest.mark.parametrize(("status", "to_do"), [(ORDERED, True), (CANCELLED, False)])
def test_whether_a_cancel_has_anything_to_do(status: OrderStatus, to_do: bool) -> None:
    assert order(status).check_cancellable() is to_do


@pytest.mark.parametrize("status", [COOKING, COMPLETED])
def test_a_cancel_once_cooking_started_is_refused_before_anything_is_done(
    status: OrderStatus,
) -> None:
    started = order(status)
    with pytest.raises(OrderNotCancellable, match=f"already {status}"):
        started.check_cancellable()
    assert (started.status, started.events) == (status, [])


@pytest.mark.parametrize(
    ("status", "finished"), [(ORDERED, True), (CANCELLED, False), (COOKING, False)]
)
def test_a_cancel_by_the_kitchen_finishes_an_ordered_one_only(
    status: OrderStatus, finished: bool
) -> None:
    placed = order(status)
    assert placed.kitchen_cancelled(minutes(1)) is finished
    assert placed.status is (CANCELLED if finished else status)
    assert placed.take_events() == ([OrderWasCancelled(placed, minutes(1))] if finished else [])


# -- what an order records -------------------------------------------------------------------


def test_a_placed_order_records_that_it_was_placed() -> None:
    new = Order.place(
        order_id="order-1",
        employee_card_no=CARD,
        menu_id=1,
        menu_name="Bibimbap",
        qty=2,
        amount=14000,
        ordered_at=LUNCH,
        placed_by="kiosk-1",
    )
    assert new == Order("order-1", CARD, 1, "Bibimbap", 2, 14000, LUNCH, placed_by="kiosk-1")
    assert new.take_events() == [OrderWasPlaced(new)]
    assert new.take_events() == []  # each event is taken once


def test_each_move_others_hear_of_is_recorded_once() -> None:
    cancelled, completed = order(), order(COOKING)
    cancelled.cancel(minutes(1))
    cancelled.cancel(minutes(2))
    completed.complete(minutes(10))
    completed.complete(minutes(11))
    assert cancelled.take_events() == [OrderWasCancelled(cancelled, cancelled_at=minutes(1))]
    assert completed.take_events() == [OrderWasCompleted(completed, completed_at=minutes(10))]


def test_cooking_started_is_recorded_by_nobody() -> None:
    cooking = order()
    cooking.start_cooking(minutes(2))
    assert cooking.take_events() == []


# -- cards -----------------------------------------------------------------------------------


def registered(at: float = -60) -> Card:
    card = Card(CARD)
    card.learn_registered("Kim Minji", minutes(at))
    return card


def with_pin() -> Card:
    card = registered()
    card.learn_pin("$argon2id$hash", minutes(-50))
    return card


def test_a_card_heard_of_only_by_a_pin_is_unknown() -> None:
    card = Card(CARD)
    card.learn_pin("$argon2id$hash", minutes(-50))
    with pytest.raises(UnknownCard):
        card.check_may_order()


def test_a_registered_card_may_order() -> None:
    card = registered()
    card.check_may_order()
    assert (card.active, card.name, card.registered_at) == (True, "Kim Minji", minutes(-60))


def test_a_card_learnt_before_hall_kept_registration_times_may_order() -> None:
    Card(CARD, "Kim Minji").check_may_order()


def test_a_card_learnt_before_hall_kept_registration_times_can_be_deactivated() -> None:
    card = Card(CARD, "Kim Minji")
    card.learn_deactivated(minutes(-30))
    with pytest.raises(CardDeactivated):
        card.check_may_order()


@pytest.mark.parametrize("deactivation_first", [False, True])
def test_a_deactivated_card_may_not_order_whichever_news_came_first(
    deactivation_first: bool,
) -> None:
    card = Card(CARD)
    news: list[Callable[[], bool]] = [
        lambda: card.learn_registered("Kim Minji", minutes(-60)),
        lambda: card.learn_deactivated(minutes(-30)),
    ]
    for learn in reversed(news) if deactivation_first else news:
        assert learn() is True
    assert card.active is False
    with pytest.raises(CardDeactivated, match=CARD):
        card.check_may_order()


def test_a_card_registered_after_its_deactivation_may_order_again() -> None:
    card = registered()
    card.learn_deactivated(minutes(-30))
    assert card.learn_registered("Lee Jun", minutes(-10)) is True
    assert (card.active, card.name) == (True, "Lee Jun")


def test_late_news_never_undoes_later_news() -> None:
    card = registered(-10)  # issued again at -10; its first registration comes late
    assert card.learn_deactivated(minutes(-30)) is True  # the deactivation before it
    assert card.learn_registered("Kim Minji", minutes(-60)) is False
    assert card.active is True
    assert card.registered_at == minutes(-10)
    assert card.learn_deactivated(minutes(-40)) is False  # an older deactivation still
    assert card.deactivated_at == minutes(-30)


def test_the_same_news_twice_changes_nothing() -> None:
    card = registered()
    assert card.learn_registered("Kim Minji", minutes(-60)) is False
    assert card.learn_deactivated(minutes(-30)) is True
    assert card.learn_deactivated(minutes(-30)) is False
    assert card.learn_pin("$argon2id$hash", minutes(-20)) is True
    assert card.learn_pin("$argon2id$hash", minutes(-20)) is False


def test_a_newer_pin_wins_and_an_older_one_is_ignored() -> None:
    card = registered()
    card.learn_pin("$argon2id$new", minutes(-20))
    assert card.learn_pin("$argon2id$old", minutes(-50)) is False
    assert card.pin_hash == "$argon2id$new"


def test_a_card_issued_again_drops_its_last_holders_pin_and_count() -> None:
    card = with_pin()
    card.wrong_pins = 3
    card.learn_deactivated(minutes(-30))
    card.learn_registered("Lee Jun", minutes(-10))
    assert (card.pin_hash, card.pin_set_at, card.wrong_pins) == (None, None, 0)


def test_a_pin_of_the_last_holder_arriving_after_the_card_was_issued_again_is_ignored() -> None:
    card = registered(-10)
    assert card.learn_pin("$argon2id$old", minutes(-50)) is False
    assert card.pin_hash is None


def test_a_pin_set_after_the_registration_survives_a_late_registration() -> None:
    card = Card(CARD)
    card.learn_pin("$argon2id$hash", minutes(-50))
    card.learn_registered("Kim Minji", minutes(-60))
    assert card.pin_hash == "$argon2id$hash"


# -- PINs ------------------------------------------------------------------------------------


def test_a_pin_is_checked_against_the_cards_hash() -> None:
    assert with_pin().pin_hash_to_check(True, LUNCH) == "$argon2id$hash"


def test_a_card_without_a_pin_cannot_be_checked_typed_or_not() -> None:
    for typed in (True, False):
        with pytest.raises(PinNotSet):
            registered().pin_hash_to_check(typed, LUNCH)


def test_an_order_without_a_pin_is_refused() -> None:
    with pytest.raises(PinRequired):
        with_pin().pin_hash_to_check(False, LUNCH)


def test_wrong_pins_count_down_and_the_last_locks_the_card() -> None:
    card = with_pin()
    left = [card.pin_tried(False, LUNCH) for _ in range(PIN_TRIES)]
    assert left == [4, 3, 2, 1, 0]
    assert card.pin_locked_until == LUNCH + PIN_LOCK
    for right in (True, False):
        with pytest.raises(PinLocked) as locked:
            card.pin_tried(right, minutes(1))
        assert locked.value.seconds_left(minutes(1)) == 4 * 60
    with pytest.raises(PinLocked):
        card.pin_hash_to_check(True, minutes(1))


def test_a_locked_card_takes_pins_again_after_the_lock_with_a_fresh_count() -> None:
    card = with_pin()
    for _ in range(PIN_TRIES):
        card.pin_tried(False, LUNCH)
    later = LUNCH + PIN_LOCK
    assert card.pin_hash_to_check(True, later) == "$argon2id$hash"
    assert card.pin_tried(False, later) == PIN_TRIES - 1


def test_a_right_pin_starts_the_count_again() -> None:
    card = with_pin()
    for _ in range(PIN_TRIES - 1):
        card.pin_tried(False, LUNCH)
    assert card.pin_tried(True, LUNCH) == PIN_TRIES
    assert card.pin_tried(False, LUNCH) == PIN_TRIES - 1
    assert card.pin_locked_until is None


def test_a_new_pin_unlocks_the_card() -> None:
    card = with_pin()
    for _ in range(PIN_TRIES):
        card.pin_tried(False, LUNCH)
    card.learn_pin("$argon2id$new", minutes(1))
    assert card.pin_hash_to_check(True, minutes(2)) == "$argon2id$new"


@pytest.mark.parametrize(
    ("left", "seconds"),
    [(timedelta(minutes=5), 300), (timedelta(seconds=0.2), 1), (timedelta(0), 1)],
)
def test_a_lock_says_the_whole_seconds_left_and_at_least_one(left: timedelta, seconds: int) -> None:
    assert PinLocked("locked", LUNCH + left).seconds_left(LUNCH) == seconds
