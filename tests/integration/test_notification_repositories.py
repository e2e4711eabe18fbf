"""Notification's port (Messages) kept alike by the fake of the unit tests and by SQL on
SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from erestaurant.contracts.statuses import MessageStatus
from erestaurant.notification import adapters
from erestaurant.notification.domain import Message
from erestaurant.notification.unit_of_work import NotificationUnitOfWork
from erestaurant.platform.domain import Duplicate

from ..unit.fakes.notification import FakeNotificationUnitOfWork
from ..unit.samples import CARD, ORDER, minutes
from .repositories import STORES, units_of_work

pytestmark = pytest.mark.integration

OTHER_CARD = "E2002"

UnitsOfWork = Callable[[], NotificationUnitOfWork]


@pytest.fixture(params=STORES)
async def uow(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[UnitsOfWork]:
    async with units_of_work(
        request.param,
        tmp_path,
        adapters.TABLES,
        adapters.SqlNotificationUnitOfWork,
        FakeNotificationUnitOfWork,
    ) as factory:
        yield factory


def ready(order_id: str = ORDER, at: float = 11, card: str = CARD, qty: int = 1) -> Message:
    # Microseconds too: every engine keeps them.
    sent_at = minutes(at) + timedelta(microseconds=7)
    return Message.meal_ready(order_id, card, "Bibimbap", qty, sent_at)


async def add(uow: UnitsOfWork, *messages: Message) -> None:
    async with uow() as tx:
        for message in messages:
            await tx.messages.add(message)
        await tx.commit()


async def for_order(uow: UnitsOfWork, order_id: str = ORDER) -> Message | None:
    async with uow() as tx:
        return await tx.messages.for_order(order_id)


async def orders_told(uow: UnitsOfWork, card: str = CARD, limit: int = 100) -> list[str]:
    async with uow() as tx:
        return [message.order_id for message in await tx.messages.of_employee(card, limit)]


async def test_an_order_without_a_message_has_none(uow: UnitsOfWork) -> None:
    assert await for_order(uow, "no-such-order") is None
    assert await orders_told(uow) == []


async def test_an_added_message_comes_back_as_it_was_added_without_its_events(
    uow: UnitsOfWork,
) -> None:
    message = ready(qty=2)
    await add(uow, message)
    back = await for_order(uow)
    assert back == message
    assert back is not None
    assert (type(back.status), back.status) == (MessageStatus, MessageStatus.SENT)
    assert back.events == []


async def test_a_second_message_for_an_order_is_a_duplicate(uow: UnitsOfWork) -> None:
    await add(uow, ready())
    async with uow() as tx:
        with pytest.raises(Duplicate):
            await tx.messages.add(ready(at=12, qty=3))
    assert await for_order(uow) == ready()


async def test_a_message_added_without_commit_is_not_kept(uow: UnitsOfWork) -> None:
    async with uow() as tx:
        await tx.messages.add(ready())
    assert await for_order(uow) is None


async def test_an_employees_messages_are_the_last_sent_first_at_most_the_limit(
    uow: UnitsOfWork,
) -> None:
    await add(
        uow,
        ready("order-a", at=10),
        ready("order-b", at=15),
        ready("order-c", at=13),
        ready("order-x", at=20, card=OTHER_CARD),
    )
    assert await orders_told(uow) == ["order-b", "order-c", "order-a"]
    assert await orders_told(uow, limit=2) == ["order-b", "order-c"]
    assert await orders_told(uow, card=OTHER_CARD) == ["order-x"]
    assert await orders_told(uow, card="E3003") == []
