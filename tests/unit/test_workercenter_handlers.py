"""Workercenter's projections: whatever order the events arrive in, a my-page row converges
to what the owning services last said."""

from __future__ import annotations

import random

import pytest

from erestaurant.contracts import (
    CookCancelled,
    Cooked,
    CookReceived,
    CookStarted,
    IntegrationEvent,
    MealReadyMessageSent,
    OrderCancelled,
    OrderCompleted,
    OrderPlaced,
    PaymentCancelled,
    PaymentDeducted,
)
from erestaurant.contracts.statuses import CookStatus, OrderStatus, PaymentStatus
from erestaurant.workercenter import handlers
from erestaurant.workercenter.domain import MyPageRow

from .fakes import deliver
from .fakes.workercenter import FakeWorkercenterUnitOfWork
from .samples import (
    CARD,
    cook_cancelled,
    cook_received,
    cook_started,
    cooked,
    meal_ready_sent,
    minutes,
    order_cancelled,
    order_completed,
    order_placed,
    payment_cancelled,
    payment_deducted,
)

LUNCH_SERVED = [
    order_placed(),
    cook_received(),
    cook_started(),
    cooked(),
    order_completed(),
    payment_deducted(),
    meal_ready_sent(),
]
SERVED_ROW = MyPageRow(
    order_id="order-1",
    updated_at=minutes(11),
    employee_card_no=CARD,
    menu_name="Bibimbap",
    qty=1,
    amount=7000,
    order_status=OrderStatus.COMPLETED,
    cook_status=CookStatus.COOKED,
    payment_status=PaymentStatus.DEDUCTED,
    notified=True,
)
LUNCH_CANCELLED = [
    order_placed(),
    cook_received(),
    cook_cancelled(),
    order_cancelled(),
    payment_cancelled(),
]
CANCELLED_ROW = MyPageRow(
    order_id="order-1",
    updated_at=minutes(2),
    employee_card_no=CARD,
    menu_name="Bibimbap",
    qty=1,
    amount=7000,
    order_status=OrderStatus.CANCELLED,
    cook_status=CookStatus.CANCELLED,
    payment_status=PaymentStatus.CANCELLED,
    notified=False,
)


async def project(uow: FakeWorkercenterUnitOfWork, events: list[IntegrationEvent]) -> MyPageRow:
    for event in events:
        await deliver(handlers.HANDLERS[type(event)], event, uow)
    row: MyPageRow = uow.mypages.rows["order-1"]
    return row


def shuffled(events: list[IntegrationEvent], seed: int) -> list[IntegrationEvent]:
    copy = list(events)
    random.Random(seed).shuffle(copy)
    return copy


async def test_a_served_lunch_in_order_fills_the_whole_row(
    workercenter_uow: FakeWorkercenterUnitOfWork,
) -> None:
    assert await project(workercenter_uow, LUNCH_SERVED) == SERVED_ROW


async def test_a_cancelled_lunch_in_order_shows_everything_cancelled(
    workercenter_uow: FakeWorkercenterUnitOfWork,
) -> None:
    assert await project(workercenter_uow, LUNCH_CANCELLED) == CANCELLED_ROW


@pytest.mark.parametrize("seed", range(20))
async def test_a_served_lunch_in_shuffled_order_converges_to_the_same_row(
    workercenter_uow: FakeWorkercenterUnitOfWork, seed: int
) -> None:
    assert await project(workercenter_uow, shuffled(LUNCH_SERVED, seed)) == SERVED_ROW


@pytest.mark.parametrize("seed", range(10))
async def test_a_cancelled_lunch_in_shuffled_order_converges_to_the_same_row(
    workercenter_uow: FakeWorkercenterUnitOfWork, seed: int
) -> None:
    assert await project(workercenter_uow, shuffled(LUNCH_CANCELLED, seed)) == CANCELLED_ROW


async def test_the_reverse_order_converges_too(
    workercenter_uow: FakeWorkercenterUnitOfWork,
) -> None:
    assert await project(workercenter_uow, LUNCH_SERVED[::-1]) == SERVED_ROW


@pytest.mark.parametrize("seed", range(5))
async def test_every_event_published_twice_changes_nothing_more(
    workercenter_uow: FakeWorkercenterUnitOfWork, seed: int
) -> None:
    assert await project(workercenter_uow, shuffled(LUNCH_SERVED * 2, seed)) == SERVED_ROW


async def test_a_late_cooking_start_never_overwrites_cooked(
    workercenter_uow: FakeWorkercenterUnitOfWork,
) -> None:
    await project(workercenter_uow, [order_placed(), cooked()])
    row = await project(workercenter_uow, [cook_received(), cook_started()])
    assert (row.cook_status, row.updated_at) == (CookStatus.COOKED, minutes(10))


async def test_cooking_started_shows_the_order_cooking_too(
    workercenter_uow: FakeWorkercenterUnitOfWork,
) -> None:
    row = await project(workercenter_uow, [order_placed(), cook_started()])
    assert (row.order_status, row.cook_status, row.payment_status) == (
        OrderStatus.COOKING,
        CookStatus.COOKING,
        PaymentStatus.PENDING,
    )


async def test_news_before_the_order_makes_a_row_that_the_order_completes(
    workercenter_uow: FakeWorkercenterUnitOfWork,
) -> None:
    early = await project(workercenter_uow, [cooked()])
    assert (early.employee_card_no, early.cook_status, early.order_status) == (
        None,
        CookStatus.COOKED,
        None,
    )
    row = await project(workercenter_uow, [order_placed()])
    assert (row.employee_card_no, row.menu_name, row.order_status) == (
        CARD,
        "Bibimbap",
        OrderStatus.ORDERED,
    )


async def test_the_read_model_publishes_nothing(
    workercenter_uow: FakeWorkercenterUnitOfWork,
) -> None:
    await project(workercenter_uow, LUNCH_SERVED)
    assert workercenter_uow.published == []


def test_workercenter_follows_every_event_about_an_order() -> None:
    assert set(handlers.HANDLERS) == {
        OrderPlaced,
        OrderCompleted,
        OrderCancelled,
        CookReceived,
        CookStarted,
        Cooked,
        CookCancelled,
        PaymentDeducted,
        PaymentCancelled,
        MealReadyMessageSent,
    }
