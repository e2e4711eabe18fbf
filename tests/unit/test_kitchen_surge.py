"""Surge protection and the time-to-live of reservations, with a fake unit of work."""

from __future__ import annotations

from datetime import timedelta

import pytest

from erestaurant.contracts import CookCancelled, CookReceived
from erestaurant.contracts import OrderPlaced as OrderPlacedEvent
from erestaurant.contracts.statuses import CookStatus
from erestaurant.kitchen import handlers
from erestaurant.kitchen.domain import (
    Admission,
    AtCapacity,
    IllegalCookTransition,
    Reservation,
    ReservationStatus,
)
from erestaurant.kitchen.handlers import RegisterMenu, ReservePortions

from .conftest import FrozenClock
from .fakes import deliver
from .fakes.kitchen import FakeKitchenUnitOfWork
from .samples import LUNCH, order_placed
from .test_kitchen_handlers import SEOUL, TODAY, roomy

TTL = 300.0
open_ticket = handlers.handlers(SEOUL)[OrderPlacedEvent]


# -- admission ----------------------------------------------------------------------------


def test_the_kitchen_pauses_at_capacity_and_resumes_below_the_resume_level() -> None:
    admission = Admission(capacity=10, resume_below=8)
    assert [admission.admits(n) for n in (0, 9, 10, 9, 8, 7, 8)] == [
        True, True, False, False, False, True, True,
    ]  # fmt: skip
    assert admission.paused is False


async def test_a_new_order_is_refused_at_capacity_but_a_retry_is_answered(
    kitchen_uow: FakeKitchenUnitOfWork,
) -> None:
    await handlers.register_menu(RegisterMenu("Bibimbap", 7000, 50), kitchen_uow)
    full = Admission(capacity=2, resume_below=1)
    for order_id in ("a", "b"):
        await handlers.reserve_portions(ReservePortions(order_id, 1, 1), kitchen_uow, SEOUL, full)
    with pytest.raises(AtCapacity):
        await handlers.reserve_portions(ReservePortions("c", 1, 1), kitchen_uow, SEOUL, full)
    again, created = await handlers.reserve_portions(
        ReservePortions("a", 1, 1), kitchen_uow, SEOUL, full
    )
    assert (again.order_id, created) == ("a", False)
    assert kitchen_uow.stock.reserved(1, TODAY) == 2  # the refused order holds nothing


async def test_ordering_resumes_by_itself_once_the_backlog_is_cooked(
    kitchen_uow: FakeKitchenUnitOfWork,
) -> None:
    await handlers.register_menu(RegisterMenu("Bibimbap", 7000, 50), kitchen_uow)
    admission = Admission(capacity=2, resume_below=1)
    for order_id in ("a", "b"):
        await handlers.reserve_portions(
            ReservePortions(order_id, 1, 1), kitchen_uow, SEOUL, admission
        )
        await deliver(open_ticket, order_placed(order_id), kitchen_uow)
    with pytest.raises(AtCapacity):
        await handlers.reserve_portions(ReservePortions("c", 1, 1), kitchen_uow, SEOUL, admission)
    for cook_id in (1, 2):
        await handlers.change_cook_status(cook_id, CookStatus.COOKING, kitchen_uow)
        await handlers.change_cook_status(cook_id, CookStatus.COOKED, kitchen_uow)
    _, created = await handlers.reserve_portions(
        ReservePortions("c", 1, 1), kitchen_uow, SEOUL, admission
    )
    assert created
    assert admission.paused is False


# -- the time-to-live of a reservation ----------------------------------------------------


async def held(uow: FakeKitchenUnitOfWork, order_id: str = "order-1") -> None:
    await handlers.register_menu(RegisterMenu("Bibimbap", 7000, 10), uow)
    uow.published.clear()  # the menu's MenuRegistered: these tests watch the order's events
    await handlers.reserve_portions(ReservePortions(order_id, 1, 2), uow, SEOUL, roomy())


async def test_a_reservation_no_order_came_for_gives_its_portions_back(
    kitchen_uow: FakeKitchenUnitOfWork, frozen_clock: FrozenClock
) -> None:
    await held(kitchen_uow)
    frozen_clock.set(LUNCH + timedelta(seconds=TTL - 1))
    assert await handlers.expire_reservations(kitchen_uow, TTL) == 0
    frozen_clock.set(LUNCH + timedelta(seconds=TTL + 1))
    assert await handlers.expire_reservations(kitchen_uow, TTL) == 1
    assert kitchen_uow.reservations.rows["order-1"].status is ReservationStatus.EXPIRED
    assert kitchen_uow.stock.reserved(1, TODAY) == 0
    assert await handlers.expire_reservations(kitchen_uow, TTL) == 0
    assert kitchen_uow.published == []  # nobody but the kitchen knew of it


async def test_a_used_reservation_never_expires(
    kitchen_uow: FakeKitchenUnitOfWork, frozen_clock: FrozenClock
) -> None:
    await held(kitchen_uow)
    await deliver(open_ticket, order_placed(qty=2), kitchen_uow)
    frozen_clock.set(LUNCH + timedelta(seconds=TTL * 10))
    assert await handlers.expire_reservations(kitchen_uow, TTL) == 0
    assert kitchen_uow.stock.reserved(1, TODAY) == 2


async def test_an_order_that_arrives_after_its_reservation_expired_is_still_cooked(
    kitchen_uow: FakeKitchenUnitOfWork, frozen_clock: FrozenClock
) -> None:
    await held(kitchen_uow)
    frozen_clock.set(LUNCH + timedelta(seconds=TTL + 1))
    await handlers.expire_reservations(kitchen_uow, TTL)
    await deliver(open_ticket, order_placed(qty=2), kitchen_uow)
    assert kitchen_uow.stock.reserved(1, TODAY) == 2  # counted again
    assert kitchen_uow.reservations.rows["order-1"].status is ReservationStatus.USED
    assert [type(e) for e in kitchen_uow.published] == [CookReceived]


async def test_a_late_retry_holds_an_expired_reservation_again(
    kitchen_uow: FakeKitchenUnitOfWork, frozen_clock: FrozenClock
) -> None:
    await held(kitchen_uow)
    frozen_clock.set(LUNCH + timedelta(seconds=TTL + 1))
    await handlers.expire_reservations(kitchen_uow, TTL)
    again, created = await handlers.reserve_portions(
        ReservePortions("order-1", 1, 2), kitchen_uow, SEOUL, roomy()
    )
    assert (again.status, created) == (ReservationStatus.HELD, False)
    assert again.reserved_at == LUNCH + timedelta(seconds=TTL + 1)
    assert kitchen_uow.stock.reserved(1, TODAY) == 2


async def test_cancelling_after_expiry_gives_nothing_back_twice(
    kitchen_uow: FakeKitchenUnitOfWork, frozen_clock: FrozenClock
) -> None:
    await held(kitchen_uow)
    await handlers.reserve_portions(ReservePortions("other", 1, 3), kitchen_uow, SEOUL, roomy())
    frozen_clock.set(LUNCH + timedelta(seconds=TTL + 1))
    await handlers.reserve_portions(ReservePortions("late", 1, 1), kitchen_uow, SEOUL, roomy())
    assert await handlers.expire_reservations(kitchen_uow, TTL) == 2  # order-1 and other
    await handlers.cancel_for_order("order-1", kitchen_uow)
    assert kitchen_uow.stock.reserved(1, TODAY) == 1  # only "late" holds portions
    assert kitchen_uow.reservations.rows["order-1"].status is ReservationStatus.RELEASED
    assert [type(e) for e in kitchen_uow.published] == [CookCancelled]


def test_only_a_held_reservation_expires_and_only_an_expired_one_is_held_again() -> None:
    reservation = Reservation("o", 1, "Bibimbap", 7000, 1, TODAY, LUNCH)
    with pytest.raises(IllegalCookTransition):
        reservation.hold_again(LUNCH, TODAY)
    reservation.use()
    with pytest.raises(IllegalCookTransition):
        reservation.expire()
