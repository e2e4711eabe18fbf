"""The kitchen's repositories, the same cases on the fake and on every engine.

What each method of the port (``kitchen/unit_of_work.py``) promises: found and not found,
Duplicate on a second add, what ``save`` writes (and what it leaves), orders, limits and
filters. Locks are the engines' business and are tried by the replica races.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from erestaurant.contracts.statuses import CookStatus
from erestaurant.kitchen.adapters import TABLES, SqlKitchenUnitOfWork
from erestaurant.kitchen.domain import (
    CookTicket,
    DailyStock,
    Menu,
    MenuToday,
    Reservation,
    ReservationStatus,
)
from erestaurant.kitchen.unit_of_work import KitchenUnitOfWork
from erestaurant.platform.domain import Duplicate

from ..unit.fakes.kitchen import FakeKitchenUnitOfWork
from .repositories import STORES, units_of_work

pytestmark = pytest.mark.integration

NOON = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)
TOMORROW = TODAY + timedelta(days=1)

Units = Callable[[], KitchenUnitOfWork]


@pytest.fixture(params=STORES)
async def uow(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Units]:
    async with units_of_work(
        request.param, tmp_path, TABLES, SqlKitchenUnitOfWork, FakeKitchenUnitOfWork
    ) as factory:
        yield factory


def at(minutes: float) -> datetime:
    return NOON + timedelta(minutes=minutes)


async def add_menu(uow: Units, name: str = "Bibimbap", portions: int = 10) -> Menu:
    async with uow() as tx:
        menu = await tx.menus.add(Menu(name, 7000, portions))
        await tx.commit()
    return menu


def id_of(menu: Menu) -> int:
    assert menu.menu_id is not None
    return menu.menu_id


def held(order_id: str, menu_id: int, reserved_at: datetime = NOON, qty: int = 2) -> Reservation:
    return Reservation.hold(order_id, menu_id, "Bibimbap", 7000, qty, TODAY, reserved_at)


async def add_reservations(uow: Units, *reservations: Reservation) -> None:
    async with uow() as tx:
        for reservation in reservations:
            await tx.reservations.add(reservation)
        await tx.commit()


def ticket(order_id: str, status: CookStatus = CookStatus.RECEIVED) -> CookTicket:
    return CookTicket(order_id, 1, "Bibimbap", 1, NOON, status=status)


async def add_tickets(uow: Units, *tickets: CookTicket) -> list[int]:
    async with uow() as tx:
        added = [await tx.tickets.add(t) for t in tickets]
        await tx.commit()
    return [t.cook_id for t in added if t.cook_id is not None]


# -- menus -------------------------------------------------------------------------------


async def test_a_menu_added_gets_an_id_and_is_found_by_it(uow: Units) -> None:
    first = await add_menu(uow)
    second = await add_menu(uow, "Ramen", 30)
    assert id_of(second) > id_of(first)
    async with uow() as tx:
        assert await tx.menus.get(id_of(second)) == Menu("Ramen", 7000, 30, id_of(second))
        assert await tx.menus.get(id_of(second) + 1) is None


async def test_saving_a_menu_writes_its_price_portions_and_place_on_the_menu(uow: Units) -> None:
    menu = await add_menu(uow)
    async with uow() as tx:
        menu.change(NOON, 0, price=8000, daily_portions=20, on_menu=False)
        await tx.menus.save(menu)
        await tx.commit()
    async with uow() as tx:
        assert await tx.menus.get(id_of(menu)) == Menu("Bibimbap", 8000, 20, id_of(menu), False)


async def test_a_change_not_committed_is_not_kept(uow: Units) -> None:
    menu = await add_menu(uow)
    async with uow() as tx:
        menu.change(NOON, 0, price=8000)
        await tx.menus.save(menu)
    async with uow() as tx:
        stored = await tx.menus.get(id_of(menu))
    assert stored is not None
    assert stored.price == 7000


async def test_the_menus_of_a_day_are_every_menu_by_id_with_that_days_reserved(
    uow: Units,
) -> None:
    first = await add_menu(uow, "Bibimbap", 10)
    second = await add_menu(uow, "Ramen", 30)
    async with uow() as tx:
        assert await tx.menus.on_day(TODAY) == [MenuToday(first, 0), MenuToday(second, 0)]
        stock = await tx.stock.get_for_update(first, TODAY)
        stock.reserve(4)
        await tx.stock.save(stock)
        tomorrow = await tx.stock.get_for_update(second, TOMORROW)
        tomorrow.reserve(1)
        await tx.stock.save(tomorrow)
        second.change(NOON, 0, on_menu=False)
        await tx.menus.save(second)
        await tx.commit()
    async with uow() as tx:
        today = await tx.menus.on_day(TODAY)
    assert today == [MenuToday(first, 4), MenuToday(second, 0)]
    assert [(m.menu.on_menu, m.remaining) for m in today] == [(True, 6), (False, 30)]


async def test_no_menus_no_list(uow: Units) -> None:
    async with uow() as tx:
        assert await tx.menus.on_day(TODAY) == []


# -- the day's stock ---------------------------------------------------------------------


async def test_a_days_stock_opens_at_none_reserved_with_the_menus_portions(uow: Units) -> None:
    menu = await add_menu(uow, portions=12)
    async with uow() as tx:
        stock = await tx.stock.get_for_update(menu, TODAY)
        await tx.commit()
    assert stock == DailyStock(id_of(menu), TODAY, 12, 0)


async def test_saving_the_stock_writes_what_is_reserved_on_that_day_only(uow: Units) -> None:
    menu = await add_menu(uow)
    async with uow() as tx:
        stock = await tx.stock.get_for_update(menu, TODAY)
        stock.reserve(3)
        await tx.stock.save(stock)
        await tx.commit()
    async with uow() as tx:
        assert (await tx.stock.get_for_update(menu, TODAY)).reserved == 3
        assert (await tx.stock.get_for_update(menu, TOMORROW)).reserved == 0


async def test_saving_a_day_never_opened_writes_nothing(uow: Units) -> None:
    menu = await add_menu(uow)
    async with uow() as tx:
        await tx.stock.save(DailyStock(id_of(menu), TODAY, 10, 5))
        await tx.commit()
    async with uow() as tx:
        assert (await tx.stock.get_for_update(menu, TODAY)).reserved == 0


# -- reservations ------------------------------------------------------------------------


async def test_a_reservation_added_is_found_by_its_order(uow: Units) -> None:
    menu = await add_menu(uow)
    reservation = held("order-1", id_of(menu))
    await add_reservations(uow, reservation)
    async with uow() as tx:
        assert await tx.reservations.get("order-1") == reservation
        assert await tx.reservations.get("order-2") is None


async def test_what_a_reservation_recorded_is_not_stored_with_it(uow: Units) -> None:
    menu = await add_menu(uow)
    released = held("order-1", id_of(menu))
    released.release(NOON)
    assert released.events != []
    await add_reservations(uow, released)
    async with uow() as tx:
        stored = await tx.reservations.get("order-1")
    assert stored is not None
    assert (stored.status, stored.events) == (ReservationStatus.RELEASED, [])


async def test_a_second_reservation_for_an_order_is_a_duplicate(uow: Units) -> None:
    menu = await add_menu(uow)
    await add_reservations(uow, held("order-1", id_of(menu)))
    with pytest.raises(Duplicate):
        await add_reservations(uow, held("order-1", id_of(menu), qty=5))
    async with uow() as tx:
        stored = await tx.reservations.get("order-1")
    assert stored is not None
    assert stored.qty == 2


async def test_saving_a_reservation_writes_its_status_time_and_day(uow: Units) -> None:
    menu = await add_menu(uow)
    await add_reservations(uow, held("order-1", id_of(menu)))
    async with uow() as tx:
        reservation = await tx.reservations.get("order-1")
        assert reservation is not None
        reservation.expire()
        reservation.hold_again(at(10), TOMORROW)
        reservation.use()
        await tx.reservations.save(reservation)
        await tx.commit()
    async with uow() as tx:
        stored = await tx.reservations.get("order-1")
    assert stored is not None
    assert (stored.status, stored.reserved_at, stored.day, stored.qty, stored.price) == (
        ReservationStatus.USED,
        at(10),
        TOMORROW,
        2,
        7000,
    )
    assert stored.events == []


async def test_only_held_reservations_count_as_held(uow: Units) -> None:
    menu = await add_menu(uow)
    await add_reservations(uow, *(held(order, id_of(menu)) for order in ("a", "b", "c", "d")))
    async with uow() as tx:
        for order, move in (("b", "use"), ("c", "expire")):
            reservation = await tx.reservations.get(order)
            assert reservation is not None
            getattr(reservation, move)()
            await tx.reservations.save(reservation)
        released = await tx.reservations.get("d")
        assert released is not None
        released.release(NOON)
        await tx.reservations.save(released)
        await tx.commit()
    async with uow() as tx:
        assert await tx.reservations.count_held() == 1


async def test_the_held_before_an_instant_come_oldest_first_up_to_the_limit(uow: Units) -> None:
    menu = await add_menu(uow)
    await add_reservations(
        uow,
        held("late", id_of(menu), at(3)),
        held("first", id_of(menu), at(0)),
        held("used", id_of(menu), at(0.5)),
        held("second", id_of(menu), at(1)),
        held("third", id_of(menu), at(2)),
        held("now", id_of(menu), at(4)),
    )
    async with uow() as tx:
        used = await tx.reservations.get("used")
        assert used is not None
        used.use()
        await tx.reservations.save(used)
        await tx.commit()
    async with uow() as tx:
        every = await tx.reservations.held_before(at(4))
        limited = await tx.reservations.held_before(at(4), limit=2)
        none = await tx.reservations.held_before(at(0))
    assert [r.order_id for r in every] == ["first", "second", "third", "late"]
    assert [r.order_id for r in limited] == ["first", "second"]
    assert none == []


# -- cooking tickets ---------------------------------------------------------------------


async def test_a_ticket_added_gets_an_id_and_is_found_by_it_and_by_its_order(
    uow: Units,
) -> None:
    added = CookTicket.receive("order-1", 1, "Bibimbap", 2, NOON)
    [cook_id] = await add_tickets(uow, added)
    assert added.cook_id == cook_id
    async with uow() as tx:
        assert await tx.tickets.get(cook_id) == added
        assert await tx.tickets.for_order("order-1") == added
        assert await tx.tickets.get(cook_id + 1) is None
        assert await tx.tickets.for_order("order-2") is None


async def test_a_second_ticket_for_an_order_is_a_duplicate(uow: Units) -> None:
    await add_tickets(uow, ticket("order-1"))
    with pytest.raises(Duplicate):
        await add_tickets(uow, ticket("order-1", CookStatus.CANCELLED))
    async with uow() as tx:
        assert len(await tx.tickets.list(None, 10)) == 1


async def test_saving_a_ticket_writes_its_status_and_cooked_time(uow: Units) -> None:
    [cook_id] = await add_tickets(uow, ticket("order-1"))
    async with uow() as tx:
        cooking = await tx.tickets.get(cook_id)
        assert cooking is not None
        cooking.change_to(CookStatus.COOKING, at(1))
        cooking.change_to(CookStatus.COOKED, at(8))
        await tx.tickets.save(cooking)
        await tx.commit()
    async with uow() as tx:
        cooked = await tx.tickets.get(cook_id)
    assert cooked is not None
    assert (cooked.status, cooked.cooked_at, cooked.received_at) == (
        CookStatus.COOKED,
        at(8),
        NOON,
    )
    assert cooked.events == []


async def test_tickets_are_listed_by_id_filtered_and_limited(uow: Units) -> None:
    ids = await add_tickets(
        uow,
        ticket("a"),
        ticket("b", CookStatus.COOKING),
        ticket("c"),
        ticket("d", CookStatus.CANCELLED),
    )
    async with uow() as tx:
        every = await tx.tickets.list(None, 10)
        newest = await tx.tickets.list(None, 2, newest_first=True)
        received = await tx.tickets.list(CookStatus.RECEIVED, 10)
        of_b = await tx.tickets.list(None, 10, order_id="b")
        none = await tx.tickets.list(CookStatus.COOKING, 10, order_id="a")
    assert [t.cook_id for t in every] == ids
    assert [t.order_id for t in newest] == ["d", "c"]
    assert [t.order_id for t in received] == ["a", "c"]
    assert [(t.order_id, t.status) for t in of_b] == [("b", CookStatus.COOKING)]
    assert none == []


async def test_open_tickets_are_those_received_or_cooking(uow: Units) -> None:
    await add_tickets(
        uow,
        *(ticket(f"order-{s.value}", s) for s in CookStatus),
        ticket("another"),
    )
    async with uow() as tx:
        assert await tx.tickets.count_open() == 3
