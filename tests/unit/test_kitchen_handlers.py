"""Kitchen's use cases with a fake unit of work: menus, reservations, tickets, cancels."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any

import pytest

from erestaurant.contracts import (
    CookCancelled,
    Cooked,
    CookReceived,
    CookStarted,
    MenuRegistered,
)
from erestaurant.contracts import OrderCancelled as OrderCancelledEvent
from erestaurant.contracts import OrderPlaced as OrderPlacedEvent
from erestaurant.contracts.statuses import CookStatus
from erestaurant.kitchen import handlers
from erestaurant.kitchen.domain import (
    Admission,
    CookingAlreadyStarted,
    IllegalCookTransition,
    Menu,
    NotOnMenu,
    Reservation,
    ReservationMismatch,
    ReservationStatus,
    SoldOut,
)
from erestaurant.kitchen.handlers import RegisterMenu, ReservePortions

from .conftest import FrozenClock
from .fakes import deliver, duplicate, envelope_of
from .fakes.kitchen import FakeKitchenUnitOfWork, FakeReservations
from .samples import LUNCH, order_cancelled, order_placed

SEOUL = "Asia/Seoul"
TODAY = date(2026, 11, 30)  # LUNCH in Seoul
open_ticket = handlers.handlers(SEOUL)[OrderPlacedEvent]


def roomy() -> Admission:
    """A kitchen far from its capacity."""
    return Admission(capacity=1000, resume_below=800)


async def menu(uow: FakeKitchenUnitOfWork, portions: int = 10) -> Menu:
    return await handlers.register_menu(RegisterMenu("Bibimbap", 7000, portions), uow)


async def reserve(uow: FakeKitchenUnitOfWork, order_id: str = "order-1", qty: int = 1) -> None:
    await handlers.reserve_portions(ReservePortions(order_id, 1, qty), uow, SEOUL, roomy())


async def placed_with_ticket(uow: FakeKitchenUnitOfWork, qty: int = 1) -> int:
    """A menu, an order reserved and placed: its ticket's cook id."""
    await menu(uow)
    await reserve(uow, qty=qty)
    await deliver(open_ticket, order_placed(qty=qty), uow)
    ticket = uow.tickets.rows[1]
    return int(ticket.cook_id)


# -- menus -----------------------------------------------------------------------------------


async def test_a_registered_menu_gets_an_id_and_is_published_on_commit(
    kitchen_uow: FakeKitchenUnitOfWork,
) -> None:
    first = await menu(kitchen_uow)
    second = await handlers.register_menu(RegisterMenu("Ramen", 5000, 30), kitchen_uow)
    assert (first.menu_id, second.menu_id) == (1, 2)
    assert kitchen_uow.menus.rows[2] == Menu("Ramen", 5000, 30, menu_id=2)
    assert kitchen_uow.published == [
        MenuRegistered(
            menu_id=menu_id,
            name=name,
            price=price,
            daily_portions=portions,
            on_menu=True,
            registered_at=LUNCH,
        )
        for menu_id, name, price, portions in ((1, "Bibimbap", 7000, 10), (2, "Ramen", 5000, 30))
    ]


# -- reservations (hall's synchronous call) --------------------------------------------------


async def test_reserving_holds_the_portions_at_the_menus_price(
    kitchen_uow: FakeKitchenUnitOfWork,
) -> None:
    await menu(kitchen_uow)
    reservation, created = await handlers.reserve_portions(
        ReservePortions("order-1", 1, 2), kitchen_uow, SEOUL, roomy()
    )
    assert created is True
    assert (reservation.menu_name, reservation.amount, reservation.status) == (
        "Bibimbap",
        14000,
        ReservationStatus.HELD,
    )
    assert kitchen_uow.stock.reserved(1, TODAY) == 2
    assert kitchen_uow.reservations.rows["order-1"] == reservation


async def test_the_same_order_asking_again_gets_the_same_reservation_and_portions_once(
    kitchen_uow: FakeKitchenUnitOfWork,
) -> None:
    await menu(kitchen_uow)
    first, _ = await handlers.reserve_portions(
        ReservePortions("order-1", 1, 2), kitchen_uow, SEOUL, roomy()
    )
    again, created = await handlers.reserve_portions(
        ReservePortions("order-1", 1, 2), kitchen_uow, SEOUL, roomy()
    )
    assert (again, created) == (first, False)
    assert kitchen_uow.stock.reserved(1, TODAY) == 2


async def test_the_same_order_asking_for_another_meal_is_refused(
    kitchen_uow: FakeKitchenUnitOfWork,
) -> None:
    await menu(kitchen_uow)
    await reserve(kitchen_uow, qty=2)
    with pytest.raises(ReservationMismatch):
        await reserve(kitchen_uow, qty=3)
    assert kitchen_uow.stock.reserved(1, TODAY) == 2


async def test_a_meal_not_on_the_menu_cannot_be_reserved(
    kitchen_uow: FakeKitchenUnitOfWork,
) -> None:
    with pytest.raises(NotOnMenu, match="menu 1"):
        await reserve(kitchen_uow)
    assert kitchen_uow.reservations.rows == {}


async def test_a_sold_out_meal_cannot_be_reserved_and_nothing_is_kept(
    kitchen_uow: FakeKitchenUnitOfWork,
) -> None:
    await menu(kitchen_uow, portions=2)
    await reserve(kitchen_uow, "order-1", qty=2)
    with pytest.raises(SoldOut):
        await reserve(kitchen_uow, "order-2")
    assert kitchen_uow.stock.reserved(1, TODAY) == 2
    assert list(kitchen_uow.reservations.rows) == ["order-1"]


async def test_portions_count_by_the_cafeterias_day_not_the_utc_day(
    kitchen_uow: FakeKitchenUnitOfWork, frozen_clock: FrozenClock
) -> None:
    await menu(kitchen_uow, portions=1)
    frozen_clock.set(datetime(2026, 11, 30, 14, 59, tzinfo=UTC))  # 23:59 in Seoul
    await reserve(kitchen_uow, "late-dinner")
    frozen_clock.set(datetime(2026, 11, 30, 15, 0, tzinfo=UTC))  # midnight in Seoul
    await reserve(kitchen_uow, "breakfast")  # the portions were reset: not sold out
    assert kitchen_uow.reservations.rows["breakfast"].day == date(2026, 12, 1)
    assert kitchen_uow.stock.reserved(1, date(2026, 11, 30)) == 1
    assert kitchen_uow.stock.reserved(1, date(2026, 12, 1)) == 1


# -- hall cancels an order -------------------------------------------------------------------


async def test_cancelling_before_the_ticket_opens_gives_the_portions_back(
    kitchen_uow: FakeKitchenUnitOfWork,
) -> None:
    await menu(kitchen_uow)
    await reserve(kitchen_uow, qty=2)
    reservation = await handlers.cancel_for_order("order-1", kitchen_uow)
    assert reservation.status is ReservationStatus.RELEASED
    assert kitchen_uow.stock.reserved(1, TODAY) == 0
    assert kitchen_uow.published_of(CookCancelled) == [
        CookCancelled(cook_id=None, order_id="order-1", cancelled_at=LUNCH)
    ]


async def test_cancelling_a_received_ticket_cancels_it_and_gives_the_portions_back(
    kitchen_uow: FakeKitchenUnitOfWork,
) -> None:
    cook_id = await placed_with_ticket(kitchen_uow, qty=2)
    await handlers.cancel_for_order("order-1", kitchen_uow)
    assert kitchen_uow.tickets.rows[cook_id].status is CookStatus.CANCELLED
    assert kitchen_uow.stock.reserved(1, TODAY) == 0
    assert kitchen_uow.published_of(CookCancelled) == [
        CookCancelled(cook_id=cook_id, order_id="order-1", cancelled_at=LUNCH)
    ]


async def test_cancelling_twice_gives_the_portions_back_once(
    kitchen_uow: FakeKitchenUnitOfWork,
) -> None:
    await menu(kitchen_uow)
    await reserve(kitchen_uow, "order-1")
    await reserve(kitchen_uow, "order-2")
    await handlers.cancel_for_order("order-1", kitchen_uow)
    await handlers.cancel_for_order("order-1", kitchen_uow)
    assert kitchen_uow.stock.reserved(1, TODAY) == 1  # order-2 still holds its portion
    assert len(kitchen_uow.published_of(CookCancelled)) == 1


@pytest.mark.parametrize("status", [CookStatus.COOKING, CookStatus.COOKED])
async def test_an_order_cannot_be_cancelled_once_its_cooking_started(
    kitchen_uow: FakeKitchenUnitOfWork, status: CookStatus
) -> None:
    cook_id = await placed_with_ticket(kitchen_uow)
    await handlers.change_cook_status(cook_id, CookStatus.COOKING, kitchen_uow)
    await handlers.change_cook_status(cook_id, status, kitchen_uow)
    before = len(kitchen_uow.published)
    with pytest.raises(CookingAlreadyStarted):
        await handlers.cancel_for_order("order-1", kitchen_uow)
    assert kitchen_uow.tickets.rows[cook_id].status is status
    assert kitchen_uow.reservations.rows["order-1"].status is ReservationStatus.USED
    assert kitchen_uow.stock.reserved(1, TODAY) == 1
    assert len(kitchen_uow.published) == before


async def test_cancelling_an_order_the_kitchen_never_reserved_is_not_found(
    kitchen_uow: FakeKitchenUnitOfWork,
) -> None:
    with pytest.raises(handlers.ReservationNotFound):
        await handlers.cancel_for_order("nobody", kitchen_uow)
    assert kitchen_uow.published == []


# -- the cook moves a ticket -----------------------------------------------------------------


async def test_starting_to_cook_publishes_cook_started(
    kitchen_uow: FakeKitchenUnitOfWork,
) -> None:
    cook_id = await placed_with_ticket(kitchen_uow)
    ticket = await handlers.change_cook_status(cook_id, CookStatus.COOKING, kitchen_uow)
    assert ticket.status is CookStatus.COOKING
    assert kitchen_uow.tickets.rows[cook_id].status is CookStatus.COOKING
    assert kitchen_uow.published[-1] == CookStarted(
        cook_id=cook_id, order_id="order-1", started_at=LUNCH
    )


async def test_finishing_cooking_publishes_cooked_with_the_time(
    kitchen_uow: FakeKitchenUnitOfWork, frozen_clock: FrozenClock
) -> None:
    cook_id = await placed_with_ticket(kitchen_uow)
    await handlers.change_cook_status(cook_id, CookStatus.COOKING, kitchen_uow)
    frozen_clock.advance(minutes=8)
    ticket = await handlers.change_cook_status(cook_id, CookStatus.COOKED, kitchen_uow)
    assert (ticket.status, ticket.cooked_at) == (CookStatus.COOKED, frozen_clock.now())
    assert kitchen_uow.tickets.rows[cook_id].cooked_at == frozen_clock.now()
    assert kitchen_uow.published[-1] == Cooked(
        cook_id=cook_id, order_id="order-1", cooked_at=frozen_clock.now()
    )


async def test_pressing_cooking_twice_publishes_once(kitchen_uow: FakeKitchenUnitOfWork) -> None:
    cook_id = await placed_with_ticket(kitchen_uow)
    await handlers.change_cook_status(cook_id, CookStatus.COOKING, kitchen_uow)
    commits = kitchen_uow.commits
    ticket = await handlers.change_cook_status(cook_id, CookStatus.COOKING, kitchen_uow)
    assert ticket.status is CookStatus.COOKING
    assert len(kitchen_uow.published_of(CookStarted)) == 1
    assert kitchen_uow.commits == commits


async def test_a_ticket_cannot_be_cooked_before_cooking_starts(
    kitchen_uow: FakeKitchenUnitOfWork,
) -> None:
    cook_id = await placed_with_ticket(kitchen_uow)
    with pytest.raises(IllegalCookTransition):
        await handlers.change_cook_status(cook_id, CookStatus.COOKED, kitchen_uow)
    assert kitchen_uow.tickets.rows[cook_id].status is CookStatus.RECEIVED
    assert kitchen_uow.published_of(Cooked) == []


async def test_a_cancelled_ticket_cannot_be_cooked(kitchen_uow: FakeKitchenUnitOfWork) -> None:
    cook_id = await placed_with_ticket(kitchen_uow)
    await handlers.cancel_for_order("order-1", kitchen_uow)
    with pytest.raises(IllegalCookTransition):
        await handlers.change_cook_status(cook_id, CookStatus.COOKING, kitchen_uow)
    assert kitchen_uow.published_of(CookStarted) == []


async def test_moving_an_unknown_ticket_is_not_found(kitchen_uow: FakeKitchenUnitOfWork) -> None:
    with pytest.raises(handlers.TicketNotFound):
        await handlers.change_cook_status(99, CookStatus.COOKING, kitchen_uow)
    assert kitchen_uow.published == []


# -- OrderPlaced: open the ticket ------------------------------------------------------------


async def test_a_placed_order_opens_a_received_ticket_and_uses_its_reservation(
    kitchen_uow: FakeKitchenUnitOfWork,
) -> None:
    await menu(kitchen_uow)
    await reserve(kitchen_uow, qty=2)
    await deliver(open_ticket, order_placed(qty=2), kitchen_uow)
    ticket = kitchen_uow.tickets.rows[1]
    assert (ticket.order_id, ticket.qty, ticket.status) == ("order-1", 2, CookStatus.RECEIVED)
    assert kitchen_uow.reservations.rows["order-1"].status is ReservationStatus.USED
    assert kitchen_uow.stock.reserved(1, TODAY) == 2  # reserved once, by hall's call
    assert kitchen_uow.published_of(CookReceived) == [
        CookReceived(
            cook_id=1, order_id="order-1", menu_id=1, menu_name="Bibimbap", qty=2, received_at=LUNCH
        )
    ]


async def test_a_placed_order_published_twice_opens_one_ticket(
    kitchen_uow: FakeKitchenUnitOfWork,
) -> None:
    await menu(kitchen_uow)
    await reserve(kitchen_uow)
    await deliver(open_ticket, order_placed(), kitchen_uow)
    await deliver(open_ticket, order_placed(), kitchen_uow)  # a new event id
    assert len(kitchen_uow.tickets.rows) == 1
    assert len(kitchen_uow.published_of(CookReceived)) == 1


async def test_a_redelivered_order_placed_is_skipped_by_the_inbox(
    kitchen_uow: FakeKitchenUnitOfWork,
) -> None:
    await menu(kitchen_uow)
    await reserve(kitchen_uow)
    envelope = envelope_of(order_placed())
    assert await deliver(open_ticket, order_placed(), kitchen_uow, envelope) is True
    assert await deliver(open_ticket, order_placed(), kitchen_uow, envelope) is False
    assert len(kitchen_uow.published_of(CookReceived)) == 1


async def test_an_order_cancelled_before_its_ticket_opens_gets_a_cancelled_ticket_silently(
    kitchen_uow: FakeKitchenUnitOfWork,
) -> None:
    await menu(kitchen_uow)
    await reserve(kitchen_uow)
    await handlers.cancel_for_order("order-1", kitchen_uow)
    await deliver(open_ticket, order_placed(), kitchen_uow)
    assert kitchen_uow.tickets.rows[1].status is CookStatus.CANCELLED
    assert kitchen_uow.reservations.rows["order-1"].status is ReservationStatus.RELEASED
    assert kitchen_uow.stock.reserved(1, TODAY) == 0
    assert kitchen_uow.published_of(CookReceived) == []


async def test_an_order_placed_without_a_reservation_is_cooked_all_the_same(
    kitchen_uow: FakeKitchenUnitOfWork,
) -> None:
    await menu(kitchen_uow)
    await deliver(open_ticket, order_placed(qty=2), kitchen_uow)
    reservation = kitchen_uow.reservations.rows["order-1"]
    assert (reservation.status, reservation.price, reservation.qty) == (
        ReservationStatus.USED,
        7000,
        2,
    )
    assert kitchen_uow.tickets.rows[1].status is CookStatus.RECEIVED
    assert len(kitchen_uow.published_of(CookReceived)) == 1


# -- OrderCancelled: make sure the portions went back ----------------------------------------


async def test_order_cancelled_after_the_kitchen_already_cancelled_changes_nothing(
    kitchen_uow: FakeKitchenUnitOfWork,
) -> None:
    await placed_with_ticket(kitchen_uow)
    await handlers.cancel_for_order("order-1", kitchen_uow)
    published = len(kitchen_uow.published)
    await deliver(handlers.confirm_cancellation, order_cancelled(), kitchen_uow)
    assert len(kitchen_uow.published) == published
    assert kitchen_uow.stock.reserved(1, TODAY) == 0


@pytest.mark.parametrize("ticket_opened", [True, False], ids=["ticket", "no-ticket"])
async def test_order_cancelled_finishes_a_cancel_whose_call_was_lost(
    kitchen_uow: FakeKitchenUnitOfWork, ticket_opened: bool
) -> None:
    await menu(kitchen_uow)
    await reserve(kitchen_uow, qty=2)
    if ticket_opened:
        await deliver(open_ticket, order_placed(qty=2), kitchen_uow)
    await deliver(handlers.confirm_cancellation, order_cancelled(), kitchen_uow)
    assert kitchen_uow.reservations.rows["order-1"].status is ReservationStatus.RELEASED
    assert kitchen_uow.stock.reserved(1, TODAY) == 0
    if ticket_opened:
        assert kitchen_uow.tickets.rows[1].status is CookStatus.CANCELLED
    assert kitchen_uow.published_of(CookCancelled) == [
        CookCancelled(cook_id=1 if ticket_opened else None, order_id="order-1", cancelled_at=LUNCH)
    ]


async def test_order_cancelled_never_stops_a_meal_being_cooked(
    kitchen_uow: FakeKitchenUnitOfWork,
) -> None:
    cook_id = await placed_with_ticket(kitchen_uow)
    await handlers.change_cook_status(cook_id, CookStatus.COOKING, kitchen_uow)
    await deliver(handlers.confirm_cancellation, order_cancelled(), kitchen_uow)
    assert kitchen_uow.tickets.rows[cook_id].status is CookStatus.COOKING
    assert kitchen_uow.stock.reserved(1, TODAY) == 1
    assert kitchen_uow.published_of(CookCancelled) == []


async def test_order_cancelled_for_an_unknown_order_changes_nothing(
    kitchen_uow: FakeKitchenUnitOfWork,
) -> None:
    assert await deliver(handlers.confirm_cancellation, order_cancelled("nobody"), kitchen_uow)
    assert kitchen_uow.published == []
    assert kitchen_uow.reservations.rows == {}


def test_the_kitchen_follows_placed_and_cancelled_orders() -> None:
    routes = handlers.handlers(SEOUL)
    assert set(routes) == {OrderPlacedEvent, OrderCancelledEvent}
    assert routes[OrderCancelledEvent] is handlers.confirm_cancellation


async def test_an_order_placed_without_a_reservation_still_counts_its_portions(
    kitchen_uow: FakeKitchenUnitOfWork,
) -> None:
    await menu(kitchen_uow, portions=2)
    await reserve(kitchen_uow, "a")
    await reserve(kitchen_uow, "b")
    # Order c was accepted, but its reservation row is gone: the kitchen honours it anyway.
    await deliver(open_ticket, order_placed("c"), kitchen_uow)
    assert kitchen_uow.stock.reserved(1, TODAY) == 3
    assert kitchen_uow.reservations.rows["c"].day == TODAY
    await handlers.cancel_for_order("c", kitchen_uow)
    # Giving c back leaves a and b's portions held: nothing is sold twice.
    assert kitchen_uow.stock.reserved(1, TODAY) == 2
    with pytest.raises(SoldOut):
        await reserve(kitchen_uow, "d")


class RacedReservations(FakeReservations):
    """Another request for the same order commits its reservation just before this one
    inserts its own: the insert is refused, and the other's row is there from then on."""

    def __init__(self, uow: FakeKitchenUnitOfWork) -> None:
        super().__init__(uow)
        self.winner: Reservation | None = None

    async def add(self, reservation: Reservation) -> None:
        if self.winner is None:
            self.winner = copy.deepcopy(reservation)
            raise duplicate(self.name, reservation.order_id)
        await super().add(reservation)

    def restore(self, state: Any) -> None:
        super().restore(state)
        if self.winner is not None:
            self.rows.setdefault(self.winner.order_id, copy.deepcopy(self.winner))


async def test_the_same_order_racing_in_twice_gets_the_reservation_that_won(
    kitchen_uow: FakeKitchenUnitOfWork,
) -> None:
    await menu(kitchen_uow)
    kitchen_uow.reservations = raced = RacedReservations(kitchen_uow)
    reservation, created = await handlers.reserve_portions(
        ReservePortions("order-1", 1, 2), kitchen_uow, SEOUL, roomy()
    )
    assert (reservation, created) == (raced.winner, False)
    assert list(kitchen_uow.reservations.rows) == ["order-1"]
    assert kitchen_uow.stock.reserved(1, TODAY) == 0  # the loser's portions were rolled back
