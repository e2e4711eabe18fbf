"""Hall's model: an order goes ORDERED -> COOKING -> COMPLETED, or ORDERED -> CANCELLED."""

from __future__ import annotations

import pytest

from erestaurant.hall.domain import (
    IllegalOrderTransition,
    Order,
    OrderNotCancellable,
    OrderStatus,
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
