"""Hall's repositories, the same cases on the fake and on every engine.

What each method of the port (``hall/unit_of_work.py``) promises: found and not found,
Duplicate on a second add, what ``save`` writes (and what it leaves), and that an order's
recorded events are not stored with it. The row locks (``Orders.get``, ``Cards.get`` with
``for_update``) are the engines' business, tried by the replica races.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from erestaurant.contracts.statuses import OrderStatus
from erestaurant.hall.adapters import TABLES, SqlHallUnitOfWork
from erestaurant.hall.domain import Card, Order
from erestaurant.hall.unit_of_work import HallUnitOfWork
from erestaurant.platform.domain import Duplicate

from ..unit.fakes.hall import FakeHallUnitOfWork
from .repositories import STORES, units_of_work

pytestmark = pytest.mark.integration

NOON = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
CARD = "E1001"

Units = Callable[[], HallUnitOfWork]


@pytest.fixture(params=STORES)
async def uow(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Units]:
    async with units_of_work(
        request.param, tmp_path, TABLES, SqlHallUnitOfWork, FakeHallUnitOfWork
    ) as factory:
        yield factory


def at(minutes: float) -> datetime:
    # Microseconds too: every engine keeps them.
    return NOON + timedelta(minutes=minutes, microseconds=123456)


def placed(order_id: str = "order-1", placed_by: str | None = "kiosk-1") -> Order:
    return Order.place(
        order_id=order_id,
        employee_card_no=CARD,
        menu_id=3,
        menu_name="Bibimbap",
        qty=2,
        amount=14000,
        ordered_at=at(0),
        placed_by=placed_by,
    )


async def add_orders(uow: Units, *orders: Order) -> None:
    async with uow() as tx:
        for order in orders:
            await tx.orders.add(order)
        await tx.commit()


async def get_order(uow: Units, order_id: str) -> Order | None:
    async with uow() as tx:
        return await tx.orders.get(order_id)


async def add_cards(uow: Units, *cards: Card) -> None:
    async with uow() as tx:
        for card in cards:
            await tx.cards.add(card)
        await tx.commit()


async def get_card(uow: Units, employee_card_no: str, for_update: bool = False) -> Card | None:
    async with uow() as tx:
        return await tx.cards.get(employee_card_no, for_update=for_update)


# -- orders ----------------------------------------------------------------------------------


@pytest.mark.parametrize("placed_by", ["kiosk-1", None])
async def test_an_added_order_is_got_back_as_it_was(uow: Units, placed_by: str | None) -> None:
    order = placed(placed_by=placed_by)
    await add_orders(uow, order)
    got = await get_order(uow, "order-1")
    assert got == order
    assert got is not None
    assert (got.status, got.updated_at, got.ordered_at) == (OrderStatus.ORDERED, None, at(0))
    assert type(got.status) is OrderStatus


async def test_an_order_comes_back_without_the_events_it_recorded(uow: Units) -> None:
    order = placed()
    assert order.events != []
    await add_orders(uow, order)
    got = await get_order(uow, "order-1")
    assert got is not None
    assert got.events == []


async def test_an_unknown_order_is_none(uow: Units) -> None:
    await add_orders(uow, placed())
    assert await get_order(uow, "order-2") is None


async def test_a_second_order_of_the_same_id_is_a_duplicate(uow: Units) -> None:
    await add_orders(uow, placed())
    with pytest.raises(Duplicate):
        await add_orders(uow, placed(placed_by="kiosk-2"))
    got = await get_order(uow, "order-1")
    assert got is not None
    assert got.placed_by == "kiosk-1"


async def test_an_order_added_but_not_committed_is_not_kept(uow: Units) -> None:
    async with uow() as tx:
        await tx.orders.add(placed())
    assert await get_order(uow, "order-1") is None


async def test_save_writes_the_status_and_when_it_changed_and_nothing_else(uow: Units) -> None:
    await add_orders(uow, placed(), placed("order-2"))
    async with uow() as tx:
        order = await tx.orders.get("order-1")
        assert order is not None
        order.start_cooking(at(2))
        order.menu_name, order.amount = "Ramen", 1  # never changes once placed: not written
        await tx.orders.save(order)
        await tx.commit()
    got = await get_order(uow, "order-1")
    assert got == dataclasses.replace(placed(), status=OrderStatus.COOKING, updated_at=at(2))
    assert await get_order(uow, "order-2") == placed("order-2")


async def test_saving_an_order_never_added_adds_nothing(uow: Units) -> None:
    async with uow() as tx:
        await tx.orders.save(placed())
        await tx.commit()
    assert await get_order(uow, "order-1") is None


# -- cards -----------------------------------------------------------------------------------


def full_card() -> Card:
    return Card(
        CARD,
        name="Kim Minji",
        registered_at=at(-60),
        deactivated_at=at(-30),
        pin_hash="$argon2id$hash",
        pin_set_at=at(-50),
        wrong_pins=3,
        pin_locked_until=at(5),
    )


@pytest.mark.parametrize("for_update", [False, True])
async def test_an_added_card_is_got_back_as_it_was(uow: Units, for_update: bool) -> None:
    await add_cards(uow, full_card(), Card("E2002"))
    assert await get_card(uow, CARD, for_update) == full_card()
    assert await get_card(uow, "E2002", for_update) == Card("E2002")  # heard of, bare


async def test_an_unknown_card_is_none(uow: Units) -> None:
    await add_cards(uow, full_card())
    assert await get_card(uow, "E9999") is None
    assert await get_card(uow, "E9999", for_update=True) is None


async def test_a_second_card_of_the_same_number_is_a_duplicate(uow: Units) -> None:
    await add_cards(uow, full_card())
    with pytest.raises(Duplicate):
        await add_cards(uow, Card(CARD, name="Lee Jun"))
    assert await get_card(uow, CARD) == full_card()


async def test_save_writes_every_field_of_the_card(uow: Units) -> None:
    await add_cards(uow, Card(CARD), Card("E2002", name="Lee Jun"))
    async with uow() as tx:
        card = await tx.cards.get(CARD, for_update=True)
        assert card is not None
        for field in dataclasses.fields(Card):
            if field.name != "employee_card_no":
                setattr(card, field.name, getattr(full_card(), field.name))
        await tx.cards.save(card)
        await tx.commit()
    assert await get_card(uow, CARD) == full_card()
    assert await get_card(uow, "E2002") == Card("E2002", name="Lee Jun")


async def test_save_can_clear_what_a_card_had(uow: Units) -> None:
    await add_cards(uow, full_card())
    async with uow() as tx:
        card = await tx.cards.get(CARD, for_update=True)
        assert card is not None
        card.learn_registered("Lee Jun", at(-10))  # issued again: the last holder's PIN goes
        await tx.cards.save(card)
        await tx.commit()
    assert await get_card(uow, CARD) == dataclasses.replace(
        full_card(),
        name="Lee Jun",
        registered_at=at(-10),
        pin_hash=None,
        pin_set_at=None,
        wrong_pins=0,
        pin_locked_until=None,
    )


async def test_saving_a_card_never_added_adds_nothing(uow: Units) -> None:
    async with uow() as tx:
        await tx.cards.save(full_card())
        await tx.commit()
    assert await get_card(uow, CARD) is None
