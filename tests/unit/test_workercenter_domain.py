"""A my-page row: each status only moves forward, whatever order the news arrives in."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest

from erestaurant.contracts.statuses import CookStatus, OrderStatus, PaymentStatus
from erestaurant.workercenter.domain import MyPageRow

from .samples import LUNCH, minutes


def row() -> MyPageRow:
    return MyPageRow(order_id="order-1", updated_at=LUNCH)


@pytest.mark.parametrize(
    "arrival",
    list(itertools.permutations([OrderStatus.ORDERED, OrderStatus.COOKING, OrderStatus.COMPLETED])),
    ids=",".join,
)
def test_the_order_status_ends_completed_whatever_the_order_of_arrival(
    arrival: tuple[OrderStatus, ...],
) -> None:
    page = row()
    for status in arrival:
        page.advance_order(status)
    assert page.order_status == OrderStatus.COMPLETED


@pytest.mark.parametrize(
    "arrival",
    list(itertools.permutations([OrderStatus.ORDERED, OrderStatus.CANCELLED])),
    ids=",".join,
)
def test_a_cancelled_order_stays_cancelled(arrival: tuple[OrderStatus, ...]) -> None:
    page = row()
    for status in arrival:
        page.advance_order(status)
    assert page.order_status == OrderStatus.CANCELLED


@pytest.mark.parametrize(
    "arrival",
    list(itertools.permutations([CookStatus.RECEIVED, CookStatus.COOKING, CookStatus.COOKED])),
    ids=",".join,
)
def test_the_cook_status_ends_cooked_whatever_the_order_of_arrival(
    arrival: tuple[CookStatus, ...],
) -> None:
    page = row()
    for status in arrival:
        page.advance_cook(status)
    assert page.cook_status == CookStatus.COOKED


@pytest.mark.parametrize(
    "arrival",
    list(itertools.permutations([CookStatus.RECEIVED, CookStatus.CANCELLED])),
    ids=",".join,
)
def test_a_cancelled_ticket_stays_cancelled(arrival: tuple[CookStatus, ...]) -> None:
    page = row()
    for status in arrival:
        page.advance_cook(status)
    assert page.cook_status == CookStatus.CANCELLED


@pytest.mark.parametrize(
    ("arrival", "final"),
    [
        ((PaymentStatus.PENDING, PaymentStatus.DEDUCTED), PaymentStatus.DEDUCTED),
        ((PaymentStatus.DEDUCTED, PaymentStatus.PENDING), PaymentStatus.DEDUCTED),
        ((PaymentStatus.PENDING, PaymentStatus.CANCELLED), PaymentStatus.CANCELLED),
        ((PaymentStatus.CANCELLED, PaymentStatus.PENDING), PaymentStatus.CANCELLED),
    ],
)
def test_the_payment_status_only_moves_forward(
    arrival: tuple[PaymentStatus, PaymentStatus], final: PaymentStatus
) -> None:
    page = row()
    for status in arrival:
        page.advance_payment(status)
    assert page.payment_status == final


def test_a_stale_status_is_not_a_change() -> None:
    page = MyPageRow(order_id="order-1", updated_at=LUNCH, cook_status=CookStatus.COOKED)
    page.advance_cook(CookStatus.COOKING)
    page.advance_cook(CookStatus.COOKED)
    assert (page.cook_status, page.changed) == (CookStatus.COOKED, False)


def test_a_new_status_is_a_change() -> None:
    page = row()
    page.advance_cook(CookStatus.RECEIVED)
    assert (page.cook_status, page.changed) == (CookStatus.RECEIVED, True)


def test_describing_the_order_fills_in_the_meal() -> None:
    page = row()
    page.describe("E1001", "Bibimbap", 2, 14000)
    assert (page.employee_card_no, page.menu_name, page.qty, page.amount, page.changed) == (
        "E1001",
        "Bibimbap",
        2,
        14000,
        True,
    )


def test_being_notified_is_a_change_only_the_first_time() -> None:
    page = row()
    page.mark_notified()
    assert (page.notified, page.changed) == (True, True)
    told = MyPageRow(order_id="order-1", updated_at=LUNCH, notified=True)
    told.mark_notified()
    assert (told.notified, told.changed) == (True, False)


@pytest.mark.parametrize(
    ("at", "expected"), [(minutes(5), minutes(5)), (minutes(-5), LUNCH)], ids=["later", "older"]
)
def test_the_row_keeps_the_time_of_its_latest_news(at: datetime, expected: datetime) -> None:
    page = row()
    page.touch(at)
    assert page.updated_at == expected
