"""The kitchen staff manage menus: price, daily portions, on or off the menu; each change
is published as MenuChanged in the same transaction, or not at all."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from erestaurant.contracts import CookReceived, MenuChanged, MenuRegistered
from erestaurant.contracts import OrderPlaced as OrderPlacedEvent
from erestaurant.kitchen import handlers
from erestaurant.kitchen.domain import MenuToday, NotOnMenu, PortionsBelowReserved
from erestaurant.kitchen.handlers import ChangeMenu, RegisterMenu, ReservePortions

from .conftest import FrozenClock
from .fakes import deliver
from .fakes.kitchen import FakeKitchenUnitOfWork
from .samples import LUNCH, minutes, order_placed
from .test_kitchen_handlers import SEOUL, TODAY, roomy

open_ticket = handlers.handlers(SEOUL)[OrderPlacedEvent]

# The kitchen's fake, whose menus save what the SQL repository's UPDATE writes.
FakeKitchen = FakeKitchenUnitOfWork


@pytest.fixture
def uow(frozen_clock: FrozenClock) -> FakeKitchen:
    return FakeKitchen()


async def bibimbap(uow: FakeKitchen, portions: int = 10) -> int:
    menu = await handlers.register_menu(RegisterMenu("Bibimbap", 7000, portions), uow)
    assert menu.menu_id is not None
    return menu.menu_id


async def reserve(uow: FakeKitchen, order_id: str, qty: int = 1) -> None:
    await handlers.reserve_portions(ReservePortions(order_id, 1, qty), uow, SEOUL, roomy())


async def change(
    uow: FakeKitchen,
    price: int | None = None,
    daily_portions: int | None = None,
    on_menu: bool | None = None,
) -> MenuToday:
    return await handlers.change_menu(ChangeMenu(1, price, daily_portions, on_menu), uow, SEOUL)


def changed(price: int = 7000, portions: int = 10, on_menu: bool = True) -> MenuChanged:
    return MenuChanged(
        menu_id=1,
        name="Bibimbap",
        price=price,
        daily_portions=portions,
        on_menu=on_menu,
        changed_at=LUNCH,
    )


# -- registering ---------------------------------------------------------------------------


async def test_a_registered_menu_is_published_with_all_its_terms(uow: FakeKitchen) -> None:
    await bibimbap(uow)
    assert uow.published == [
        MenuRegistered(
            menu_id=1,
            name="Bibimbap",
            price=7000,
            daily_portions=10,
            on_menu=True,
            registered_at=LUNCH,
        )
    ]
    assert uow.menus.rows[1].on_menu is True


# -- changing the terms --------------------------------------------------------------------


async def test_changing_the_portions_saves_them_and_publishes_the_menu_as_it_now_is(
    uow: FakeKitchen,
) -> None:
    await bibimbap(uow)
    await reserve(uow, "order-1", qty=3)
    today = await change(uow, daily_portions=20)
    assert (today.menu.daily_portions, today.remaining) == (20, 17)
    assert uow.menus.rows[1].daily_portions == 20
    assert uow.published_of(MenuChanged) == [changed(portions=20)]


async def test_more_portions_can_be_reserved_once_they_are_raised(uow: FakeKitchen) -> None:
    await bibimbap(uow, portions=1)
    await reserve(uow, "order-1")
    await change(uow, daily_portions=2)
    await reserve(uow, "order-2")
    assert uow.stock.reserved(1, TODAY) == 2


async def test_a_new_price_holds_for_new_reservations_only(uow: FakeKitchen) -> None:
    await bibimbap(uow)
    await reserve(uow, "before")
    await change(uow, price=8000)
    await reserve(uow, "after")
    assert uow.reservations.rows["before"].price == 7000  # the kiosk showed 7000
    assert uow.reservations.rows["after"].price == 8000
    assert uow.published_of(MenuChanged) == [changed(price=8000)]


async def test_the_same_change_twice_changes_and_publishes_nothing(uow: FakeKitchen) -> None:
    await bibimbap(uow)
    await change(uow, daily_portions=20)
    commits = uow.commits
    today = await change(uow, daily_portions=20)
    assert today.menu.daily_portions == 20
    assert uow.commits == commits
    assert len(uow.published_of(MenuChanged)) == 1


async def test_an_unknown_menu_is_not_found_and_nothing_is_published(uow: FakeKitchen) -> None:
    with pytest.raises(handlers.MenuNotFound, match="no menu 1"):
        await change(uow, price=100)
    assert uow.published == []


# -- portions already sold -----------------------------------------------------------------


async def test_portions_cannot_be_cut_below_those_reserved_today(uow: FakeKitchen) -> None:
    await bibimbap(uow)
    await reserve(uow, "order-1", qty=4)
    with pytest.raises(PortionsBelowReserved) as refused:
        await change(uow, daily_portions=3, price=100)
    assert refused.value.reserved == 4
    assert (uow.menus.rows[1].daily_portions, uow.menus.rows[1].price) == (10, 7000)
    assert uow.published_of(MenuChanged) == []


async def test_portions_can_be_cut_to_those_reserved_and_the_dish_is_then_sold_out(
    uow: FakeKitchen,
) -> None:
    await bibimbap(uow)
    await reserve(uow, "order-1", qty=4)
    today = await change(uow, daily_portions=4)
    assert today.remaining == 0
    assert uow.published_of(MenuChanged) == [changed(portions=4)]


async def test_portions_given_back_by_a_cancel_may_be_cut(uow: FakeKitchen) -> None:
    await bibimbap(uow)
    await reserve(uow, "order-1", qty=4)
    await handlers.cancel_for_order("order-1", uow)
    assert (await change(uow, daily_portions=0)).remaining == 0


async def test_only_todays_reservations_hold_the_portions_back(
    uow: FakeKitchen, frozen_clock: FrozenClock
) -> None:
    await bibimbap(uow)
    await reserve(uow, "yesterday", qty=8)
    frozen_clock.set(datetime(2026, 11, 30, 15, 0, tzinfo=UTC))  # midnight in Seoul
    today = await change(uow, daily_portions=2)
    assert (today.menu.daily_portions, today.remaining) == (2, 2)
    assert uow.stock.reserved(1, date(2026, 11, 30)) == 8


# -- on and off the menu -------------------------------------------------------------------


async def test_a_dish_taken_off_the_menu_cannot_be_reserved_until_it_is_put_back(
    uow: FakeKitchen, frozen_clock: FrozenClock
) -> None:
    await bibimbap(uow)
    off = await change(uow, on_menu=False)
    assert off.menu.on_menu is False
    assert uow.menus.rows[1].on_menu is False
    with pytest.raises(NotOnMenu, match="menu 1"):
        await reserve(uow, "order-1")
    assert uow.reservations.rows == {}
    frozen_clock.set(minutes(5))
    await change(uow, on_menu=True)
    await reserve(uow, "order-1")
    assert [(e.on_menu, e.changed_at) for e in uow.published_of(MenuChanged)] == [
        (False, LUNCH),
        (True, minutes(5)),
    ]


async def test_orders_taken_before_the_dish_went_off_the_menu_are_still_cooked(
    uow: FakeKitchen,
) -> None:
    await bibimbap(uow)
    await reserve(uow, "order-1")
    await change(uow, on_menu=False)
    _, created = await handlers.reserve_portions(
        ReservePortions("order-1", 1, 1), uow, SEOUL, roomy()
    )
    assert created is False  # hall's retry of the same order still gets its answer
    await deliver(open_ticket, order_placed(), uow)
    assert len(uow.published_of(CookReceived)) == 1


async def test_the_menu_list_still_has_dishes_taken_off(uow: FakeKitchen) -> None:
    await bibimbap(uow)
    await change(uow, on_menu=False)
    async with uow:
        [today] = await uow.menus.on_day(TODAY)
    assert (today.menu.on_menu, today.reserved, today.remaining) == (False, 0, 10)
