"""A my-page row: each status only moves forward, whatever order the news arrives in."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest

from erestaurant.workercenter.domain import MyPageRow

from .samples import LUNCH, minutes


def row() -> MyPageRow:
    return MyPageRow(order_id="order-1", updated_at=LUNCH)


@pytest.mark.parametrize(
    "arrival", list(itertools.permutations(["ORDERED", "COOKING", "COMPLETED"])), ids=",".join
)
def test_the_order_status_ends_completed_whatever_the_order_of_arrival(
    arrival: tuple[str, ...],
) -> None:
    page = row()
    for status in arrival:
        page.advance_order(status)
    assert page.order_status == "COMPLETED"


@pytest.mark.parametrize(
    "arrival", list(itertools.permutations(["ORDERED", "CANCELLED"])), ids=",".join
)
def test_a_cancelled_order_stays_cancelled(arrival: tuple[str, ...]) -> None:
    page = row()
    for status in arrival:
        page.advance_order(status)
    assert page.order_status == "CANCELLED"


@pytest.mark.parametrize(
    "arrival", list(itertools.permutations(["RECEIVED", "COOKING", "COOKED"])), ids=",".join
)
def test_the_cook_status_ends_cooked_whatever_the_order_of_arrival(
    arrival: tuple[str, ...],
) -> None:
    page = row()
    for status in arrival:
        page.advance_cook(status)
    assert page.cook_status == "COOKED"


@pytest.mark.parametrize(
    "arrival", list(itertools.permutations(["RECEIVED", "CANCELLED"])), ids=",".join
)
def test_a_cancelled_ticket_stays_cancelled(arrival: tuple[str, ...]) -> None:
    page = row()
    for status in arrival:
        page.advance_cook(status)
    assert page.cook_status == "CANCELLED"


@pytest.mark.parametrize(
    ("arrival", "final"),
    [
        (("PENDING", "DEDUCTED"), "DEDUCTED"),
        (("DEDUCTED", "PENDING"), "DEDUCTED"),
        (("PENDING", "CANCELLED"), "CANCELLED"),
        (("CANCELLED", "PENDING"), "CANCELLED"),
    ],
)
def test_the_payment_status_only_moves_forward(arrival: tuple[str, str], final: str) -> None:
    page = row()
    for status in arrival:
        page.advance_payment(status)
    assert page.payment_status == final


def test_a_stale_status_is_not_a_change() -> None:
    page = MyPageRow(order_id="order-1", updated_at=LUNCH, cook_status="COOKED")
    page.advance_cook("COOKING")
    page.advance_cook("COOKED")
    assert (page.cook_status, page.changed) == ("COOKED", False)


def test_a_new_status_is_a_change() -> None:
    page = row()
    page.advance_cook("RECEIVED")
    assert (page.cook_status, page.changed) == ("RECEIVED", True)


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
