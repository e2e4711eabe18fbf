"""The kitchen's model: menus, the day's portions, reservations and cooking tickets."""

from __future__ import annotations

from datetime import date

import pytest

from erestaurant.contracts.statuses import CookStatus
from erestaurant.kitchen.domain import (
    Admission,
    AtCapacity,
    CookingAlreadyStarted,
    CookingWasCancelled,
    CookingWasStarted,
    CookTicket,
    DailyStock,
    IllegalCookTransition,
    KitchenError,
    MealWasCooked,
    Menu,
    MenuToday,
    MenuWasChanged,
    MenuWasRegistered,
    NotOnMenu,
    PortionsBelowReserved,
    Reservation,
    ReservationMismatch,
    ReservationStatus,
    SoldOut,
    TicketWasOpened,
)
from erestaurant.platform.domain import DomainError

from .samples import LUNCH, minutes

TODAY = date(2026, 11, 30)
RECEIVED, COOKING, COOKED, CANCELLED = (
    CookStatus.RECEIVED,
    CookStatus.COOKING,
    CookStatus.COOKED,
    CookStatus.CANCELLED,
)


def ticket(status: CookStatus = RECEIVED) -> CookTicket:
    return CookTicket("order-1", 1, "Bibimbap", 1, LUNCH, status=status, cook_id=7)


def reservation(status: ReservationStatus = ReservationStatus.HELD) -> Reservation:
    return Reservation("order-1", 1, "Bibimbap", 7000, 2, TODAY, LUNCH, status=status)


# -- menu ------------------------------------------------------------------------------------


def test_a_menu_with_a_name_a_price_and_portions_is_accepted() -> None:
    menu = Menu("Bibimbap", 7000, 50)
    assert (menu.name, menu.price, menu.daily_portions, menu.menu_id) == (
        "Bibimbap",
        7000,
        50,
        None,
    )


def test_a_free_menu_with_no_portions_is_accepted() -> None:
    assert Menu("Water", 0, 0).price == 0


@pytest.mark.parametrize("name", ["", "   "])
def test_a_menu_needs_a_name(name: str) -> None:
    with pytest.raises(ValueError, match="name"):
        Menu(name, 7000, 50)


@pytest.mark.parametrize(("price", "portions"), [(-1, 50), (7000, -1)])
def test_price_and_portions_cannot_be_negative(price: int, portions: int) -> None:
    with pytest.raises(ValueError, match="negative"):
        Menu("Bibimbap", price, portions)


def stored(portions: int = 10) -> Menu:
    """A menu as the repository gives it back: with its id, nothing recorded."""
    return Menu("Bibimbap", 7000, portions, menu_id=3)


def test_a_new_menu_is_on_the_menu() -> None:
    assert Menu("Bibimbap", 7000, 50).on_menu is True


def test_a_stored_menu_records_its_registration_with_its_terms() -> None:
    menu = stored()
    menu.registered(LUNCH)
    assert menu.take_events() == [MenuWasRegistered(3, "Bibimbap", 7000, 10, True, LUNCH)]
    assert menu.take_events() == []  # taken once


def test_a_menu_without_an_id_cannot_record_anything() -> None:
    with pytest.raises(ValueError, match="no id"):
        Menu("Bibimbap", 7000, 10).registered(LUNCH)


def test_a_change_records_the_menu_as_it_now_is() -> None:
    menu = stored()
    assert menu.change(LUNCH, 0, price=7500, daily_portions=20) is True
    assert (menu.price, menu.daily_portions, menu.on_menu) == (7500, 20, True)
    assert menu.take_events() == [MenuWasChanged(3, "Bibimbap", 7500, 20, True, LUNCH)]


def test_a_menu_is_taken_off_and_put_back() -> None:
    menu = stored()
    assert menu.change(LUNCH, 4, on_menu=False) is True
    assert menu.on_menu is False
    assert menu.change(minutes(5), 4, on_menu=True) is True
    assert menu.take_events() == [
        MenuWasChanged(3, "Bibimbap", 7000, 10, False, LUNCH),
        MenuWasChanged(3, "Bibimbap", 7000, 10, True, minutes(5)),
    ]


def test_a_change_to_what_the_menu_already_is_records_nothing() -> None:
    menu = stored()
    assert menu.change(LUNCH, 0, price=7000, daily_portions=10, on_menu=True) is False
    assert menu.change(LUNCH, 0) is False
    assert menu.take_events() == []


@pytest.mark.parametrize(("price", "portions"), [(-1, None), (None, -1)])
def test_a_change_cannot_make_the_price_or_portions_negative(
    price: int | None, portions: int | None
) -> None:
    menu = stored()
    with pytest.raises(ValueError, match="negative"):
        menu.change(LUNCH, 0, price=price, daily_portions=portions)
    assert (menu.price, menu.daily_portions, menu.events) == (7000, 10, [])


def test_portions_cannot_be_cut_below_those_reserved_today() -> None:
    menu = stored()
    with pytest.raises(PortionsBelowReserved) as refused:
        menu.change(LUNCH, 6, daily_portions=5)
    assert (refused.value.reserved, refused.value.asked) == (6, 5)
    assert "6 portion(s) are already reserved" in str(refused.value)
    assert (menu.daily_portions, menu.events) == (10, [])


def test_portions_can_be_cut_to_exactly_those_reserved_today() -> None:
    menu = stored()
    assert menu.change(LUNCH, 6, daily_portions=6) is True
    assert menu.daily_portions == 6


def test_portions_can_be_raised_even_while_more_were_honoured_than_there_were() -> None:
    # Orders accepted without a reservation are counted past the limit (DailyStock.honour).
    menu = stored(portions=10)
    assert menu.change(LUNCH, 12, daily_portions=11) is True
    assert menu.daily_portions == 11


def test_a_price_change_or_taking_it_off_is_not_held_back_by_reservations() -> None:
    menu = stored(portions=10)
    assert menu.change(LUNCH, 12, price=8000, on_menu=False) is True
    assert (menu.price, menu.daily_portions, menu.on_menu) == (8000, 10, False)


# -- the day's stock -------------------------------------------------------------------------


def test_reserving_portions_leaves_fewer_for_the_day() -> None:
    stock = DailyStock(menu_id=1, day=TODAY, daily_portions=10)
    stock.reserve(3)
    assert (stock.reserved, stock.remaining) == (3, 7)


def test_the_last_portions_can_be_reserved() -> None:
    stock = DailyStock(1, TODAY, 10, reserved=8)
    stock.reserve(2)
    assert stock.remaining == 0


@pytest.mark.parametrize(("reserved", "qty"), [(10, 1), (8, 3), (0, 11)])
def test_asking_for_more_than_is_left_is_sold_out_and_reserves_nothing(
    reserved: int, qty: int
) -> None:
    stock = DailyStock(1, TODAY, 10, reserved=reserved)
    with pytest.raises(SoldOut, match="left today"):
        stock.reserve(qty)
    assert stock.reserved == reserved


def test_a_menu_with_no_portions_is_sold_out_at_once() -> None:
    with pytest.raises(SoldOut):
        DailyStock(1, TODAY, 0).reserve(1)


@pytest.mark.parametrize("qty", [0, -1])
def test_at_least_one_portion_must_be_reserved(qty: int) -> None:
    stock = DailyStock(1, TODAY, 10)
    with pytest.raises(ValueError, match="at least 1"):
        stock.reserve(qty)
    assert stock.reserved == 0


def test_released_portions_go_back_to_the_day() -> None:
    stock = DailyStock(1, TODAY, 10, reserved=4)
    stock.release(3)
    assert (stock.reserved, stock.remaining) == (1, 9)


def test_releasing_more_than_was_reserved_stops_at_zero() -> None:
    stock = DailyStock(1, TODAY, 10, reserved=1)
    stock.release(5)
    assert (stock.reserved, stock.remaining) == (0, 10)


def test_remaining_is_never_negative_when_the_kitchen_cuts_the_portions() -> None:
    assert DailyStock(1, TODAY, daily_portions=5, reserved=8).remaining == 0


# -- reservations ----------------------------------------------------------------------------


def test_a_reservation_is_held_and_costs_price_times_quantity() -> None:
    held = reservation()
    assert (held.status, held.amount) == (ReservationStatus.HELD, 14000)


@pytest.mark.parametrize(
    ("menu_id", "qty", "same"), [(1, 2, True), (1, 3, False), (2, 2, False), (2, 3, False)]
)
def test_the_same_request_is_the_same_menu_and_quantity(menu_id: int, qty: int, same: bool) -> None:
    assert reservation().same_request(menu_id, qty) is same


@pytest.mark.parametrize("status", [ReservationStatus.HELD, ReservationStatus.USED])
def test_a_reservation_is_used_when_its_ticket_opens(status: ReservationStatus) -> None:
    held = reservation(status)
    held.use()
    assert held.status is ReservationStatus.USED


def test_a_released_reservation_cannot_be_used() -> None:
    released = reservation(ReservationStatus.RELEASED)
    with pytest.raises(IllegalCookTransition, match="released"):
        released.use()
    assert released.status is ReservationStatus.RELEASED


@pytest.mark.parametrize("status", [ReservationStatus.HELD, ReservationStatus.USED])
def test_releasing_a_reservation_gives_its_portions_back(status: ReservationStatus) -> None:
    held = reservation(status)
    assert held.release(LUNCH) is True
    assert held.status is ReservationStatus.RELEASED


def test_releasing_twice_gives_nothing_back_the_second_time() -> None:
    held = reservation()
    held.release(LUNCH)
    assert held.release(minutes(1)) is False
    assert held.status is ReservationStatus.RELEASED


# -- cooking tickets -------------------------------------------------------------------------


def test_cooking_starts_on_a_received_ticket() -> None:
    received = ticket()
    assert received.change_to(COOKING, minutes(2)) is True
    assert (received.status, received.cooked_at) == (COOKING, None)


def test_a_ticket_being_cooked_becomes_cooked_at_that_time() -> None:
    cooking = ticket(COOKING)
    assert cooking.change_to(COOKED, minutes(10)) is True
    assert (cooking.status, cooking.cooked_at) == (COOKED, minutes(10))


@pytest.mark.parametrize("status", list(CookStatus))
def test_asking_for_the_status_a_ticket_has_changes_nothing(status: CookStatus) -> None:
    same = ticket(status)
    assert same.change_to(status, minutes(10)) is False
    assert (same.status, same.cooked_at) == (status, None)


def test_cooked_again_keeps_the_first_cooked_time() -> None:
    done = ticket(COOKING)
    done.change_to(COOKED, minutes(10))
    assert done.change_to(COOKED, minutes(20)) is False
    assert done.cooked_at == minutes(10)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (RECEIVED, COOKED),  # cannot skip cooking
        (RECEIVED, CANCELLED),  # cancel() is the way to cancel
        (COOKING, RECEIVED),
        (COOKING, CANCELLED),
        (COOKED, RECEIVED),
        (COOKED, COOKING),
        (COOKED, CANCELLED),
        (CANCELLED, RECEIVED),
        (CANCELLED, COOKING),
        (CANCELLED, COOKED),
    ],
)
def test_illegal_cook_transitions_are_refused(current: CookStatus, target: CookStatus) -> None:
    stuck = ticket(current)
    with pytest.raises(IllegalCookTransition, match="cannot become"):
        stuck.change_to(target, minutes(10))
    assert (stuck.status, stuck.cooked_at) == (current, None)


def test_a_received_ticket_can_be_cancelled() -> None:
    received = ticket()
    assert received.cancel() is True
    assert received.status is CANCELLED


def test_cancelling_a_cancelled_ticket_is_a_no_op() -> None:
    cancelled = ticket(CANCELLED)
    assert cancelled.cancel() is False
    assert cancelled.status is CANCELLED


@pytest.mark.parametrize("status", [COOKING, COOKED])
def test_a_ticket_cannot_be_cancelled_once_cooking_started(status: CookStatus) -> None:
    started = ticket(status)
    with pytest.raises(CookingAlreadyStarted, match="already"):
        started.cancel()
    assert started.status is status


@pytest.mark.parametrize(
    "error",
    [SoldOut, IllegalCookTransition, CookingAlreadyStarted, PortionsBelowReserved],
    ids=lambda e: e.__name__,
)
def test_every_refusal_is_a_kitchen_error(error: type[Exception]) -> None:
    assert issubclass(error, KitchenError)


# -- what each move records ------------------------------------------------------------------


def test_a_ticket_received_records_its_opening_once_it_has_its_id() -> None:
    received = CookTicket.receive("order-1", 1, "Bibimbap", 2, LUNCH)
    assert (received.status, received.received_at, received.cook_id) == (RECEIVED, LUNCH, None)
    with pytest.raises(ValueError, match="no id"):
        received.opened()
    received.cook_id = 7  # as the repository gives it
    received.opened()
    assert received.take_events() == [TicketWasOpened(7, "order-1", 1, "Bibimbap", 2, LUNCH)]


def test_an_order_cancelled_before_it_came_gets_a_cancelled_ticket_that_tells_nothing() -> None:
    cancelled = CookTicket.of_cancelled_order("order-1", 1, "Bibimbap", 2, LUNCH)
    assert (cancelled.status, cancelled.events) == (CANCELLED, [])
    cancelled.cook_id = 7
    with pytest.raises(IllegalCookTransition):
        cancelled.opened()


def test_starting_and_finishing_cooking_record_each_step_with_its_time() -> None:
    cooked = ticket()
    cooked.change_to(COOKING, minutes(2))
    cooked.change_to(COOKING, minutes(3))  # a repeated press records nothing
    cooked.change_to(COOKED, minutes(10))
    assert cooked.take_events() == [
        CookingWasStarted(7, "order-1", minutes(2)),
        MealWasCooked(7, "order-1", minutes(10)),
    ]


def test_an_illegal_move_records_nothing() -> None:
    stuck = ticket(COOKED)
    with pytest.raises(IllegalCookTransition):
        stuck.change_to(COOKING, minutes(10))
    assert stuck.events == []


@pytest.mark.parametrize(
    ("status", "started"), [(RECEIVED, False), (COOKING, True), (COOKED, True), (CANCELLED, False)]
)
def test_a_ticket_says_whether_its_cooking_started(status: CookStatus, started: bool) -> None:
    assert ticket(status).cooking_started is started


def test_a_release_records_the_cancel_with_the_tickets_id_once() -> None:
    held = reservation(ReservationStatus.USED)
    held.release(LUNCH, ticket())
    held.release(minutes(1), ticket())
    assert held.take_events() == [CookingWasCancelled(7, "order-1", LUNCH)]


def test_a_release_before_any_ticket_records_the_cancel_without_a_cook_id() -> None:
    expired = reservation(ReservationStatus.EXPIRED)
    assert expired.release(LUNCH) is False  # the time-to-live gave the portions back
    assert (expired.released, expired.take_events()) == (
        True,
        [CookingWasCancelled(None, "order-1", LUNCH)],
    )


def test_a_reservation_is_held_at_the_price_it_is_sold_at() -> None:
    held = Reservation.hold("order-1", 1, "Bibimbap", 7000, 2, TODAY, LUNCH)
    assert held == reservation()
    assert (held.expired, held.released) == (False, False)


def test_what_remains_of_a_menu_today_is_counted_by_its_portions_as_they_now_are() -> None:
    assert MenuToday(stored(portions=10), reserved=3).remaining == 7
    assert MenuToday(stored(portions=2), reserved=3).remaining == 0
    assert MenuToday(stored(portions=10)).remaining == 10


# -- what a refusal says -----------------------------------------------------------------


def test_a_refusal_carries_what_its_answer_shows() -> None:
    with pytest.raises(SoldOut) as sold_out:
        DailyStock(4, TODAY, 1, reserved=1).reserve(1)
    assert (sold_out.value.menu_id, str(sold_out.value)) == (4, "only 0 portion(s) left today")
    with pytest.raises(PortionsBelowReserved) as cut:
        stored().change(LUNCH, 6, daily_portions=5)
    assert (cut.value.menu_id, cut.value.reserved, cut.value.asked) == (3, 6, 5)
    assert (NotOnMenu(4).menu_id, str(NotOnMenu(4))) == (4, "menu 4 is not on the menu")
    busy = Admission(capacity=2, resume_below=1, retry_after=30).refusal()
    assert (busy.retry_after, str(busy)) == (30, "the kitchen has 2 open orders or more")


@pytest.mark.parametrize(
    "error",
    [SoldOut, NotOnMenu, AtCapacity, ReservationMismatch],
    ids=lambda e: e.__name__,
)
def test_every_kitchen_error_is_a_domain_error(error: type[Exception]) -> None:
    assert issubclass(error, KitchenError)
    assert issubclass(error, DomainError)
