"""The fakes keep the promise the real unit of work makes (rule 3): an event is published
if and only if the change that caused it was committed."""

from __future__ import annotations

import pytest

from erestaurant.hall.domain import Order
from erestaurant.notification.domain import Message
from erestaurant.platform.domain import Duplicate

from .fakes import envelope_of
from .fakes.hall import FakeHallUnitOfWork
from .fakes.notification import FakeNotificationUnitOfWork
from .samples import CARD, LUNCH, order_completed, order_placed


def an_order() -> Order:
    return Order("order-1", CARD, 1, "Bibimbap", 1, 7000, LUNCH)


async def test_a_committed_change_and_its_event_are_kept() -> None:
    uow = FakeHallUnitOfWork()
    async with uow:
        await uow.orders.add(an_order())
        uow.emit(order_placed())
        await uow.commit()
    assert list(uow.orders.rows) == ["order-1"]
    assert (uow.published, uow.commits) == ([order_placed()], 1)


async def test_an_uncommitted_change_and_its_event_are_lost() -> None:
    uow = FakeHallUnitOfWork()
    async with uow:
        await uow.orders.add(an_order())
        uow.emit(order_placed())
    assert (uow.orders.rows, uow.published, uow.commits) == ({}, [], 0)


async def test_a_failure_rolls_back_the_inbox_row_too() -> None:
    uow = FakeNotificationUnitOfWork()

    async def handle_then_fail() -> None:
        async with uow:
            await uow.mark_handled(envelope_of(order_completed()))
            await uow.messages.add(Message.meal_ready("order-1", CARD, "Bibimbap", 1, LUNCH))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await handle_then_fail()
    assert (uow.inbox, uow.messages.rows) == (set(), {})


async def test_a_row_changes_only_when_it_is_saved() -> None:
    uow = FakeHallUnitOfWork()
    async with uow:
        await uow.orders.add(an_order())
        order = await uow.orders.get("order-1")
        assert order is not None
        order.cancel(LUNCH)
        await uow.commit()
    assert uow.orders.rows["order-1"].status == "ORDERED"


async def test_a_duplicate_key_is_an_integrity_error() -> None:
    uow = FakeHallUnitOfWork()
    async with uow:
        await uow.orders.add(an_order())
        with pytest.raises(Duplicate):
            await uow.orders.add(an_order())


async def test_repositories_refuse_work_outside_a_transaction() -> None:
    uow = FakeHallUnitOfWork()
    with pytest.raises(RuntimeError, match="outside"):
        await uow.orders.get("order-1")
