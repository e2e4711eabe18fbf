"""The kitchen's model: menus, a day's stock of portions, reservations and cooking tickets.

Standard library only. Every transition is guarded here; an illegal move raises. What
happened is recorded as domain events, which ``kitchen/events.py`` turns into the
integration events the others read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from erestaurant.contracts.statuses import CookStatus
from erestaurant.platform.domain import Aggregate, DomainError, DomainEvent, Value


class KitchenError(DomainError):
    """A request the kitchen must refuse."""


class NotOnMenu(KitchenError):
    def __init__(self, menu_id: int) -> None:
        super().__init__(f"menu {menu_id} is not on the menu")
        self.menu_id = menu_id


class SoldOut(KitchenError):
    def __init__(self, menu_id: int, remaining: int) -> None:
        super().__init__(f"only {remaining} portion(s) left today")
        self.menu_id = menu_id


class IllegalCookTransition(KitchenError):
    pass


class CookingAlreadyStarted(KitchenError):
    pass


class PortionsBelowReserved(KitchenError):
    """Fewer daily portions than are already reserved today: those were sold."""

    def __init__(self, asked: int, reserved: int, menu_id: int | None = None) -> None:
        super().__init__(
            f"{reserved} portion(s) are already reserved today: daily portions cannot be"
            f" cut to {asked}"
        )
        self.asked, self.reserved, self.menu_id = asked, reserved, menu_id


class ReservationMismatch(KitchenError):
    """The same order id came back asking for another menu or quantity."""


class AtCapacity(KitchenError):
    """The kitchen has as many open orders as it can cook: no new ones for now; asking
    again after ``retry_after`` seconds may find room."""

    def __init__(self, capacity: int, retry_after: int) -> None:
        super().__init__(f"the kitchen has {capacity} open orders or more")
        self.retry_after = retry_after


class ReservationStatus(StrEnum):
    HELD = "HELD"  # reserved for an order that hall is about to commit
    USED = "USED"  # the order was placed and its ticket opened
    RELEASED = "RELEASED"  # given back: the order was cancelled
    EXPIRED = "EXPIRED"  # given back: no order came for it within the time-to-live


# -- what happened ---------------------------------------------------------------------------


class MenuEvent(DomainEvent):
    """What a menu records of itself when it is registered or changed: the menu as it then
    was, and when."""

    menu_id: int
    name: str
    price: int
    daily_portions: int
    on_menu: bool


class MenuWasRegistered(MenuEvent):
    registered_at: datetime


class MenuWasChanged(MenuEvent):
    changed_at: datetime


class TicketWasOpened(DomainEvent):
    """The kitchen took an order to cook."""

    cook_id: int
    order_id: str
    menu_id: int
    menu_name: str
    qty: int
    received_at: datetime


class CookingWasStarted(DomainEvent):
    cook_id: int
    order_id: str
    started_at: datetime


class MealWasCooked(DomainEvent):
    cook_id: int
    order_id: str
    cooked_at: datetime


class CookingWasCancelled(DomainEvent):
    """An order was cancelled before its cooking started and its portions went back;
    ``cook_id`` is its ticket's (None: no ticket was opened yet)."""

    cook_id: int | None
    order_id: str
    cancelled_at: datetime


# -- menus -----------------------------------------------------------------------------------


@dataclass
class Menu(Aggregate):
    name: str
    price: int
    daily_portions: int
    menu_id: int | None = None
    # False: taken off the menu. Kiosks no longer list it and new orders are refused, but
    # the orders already taken for it are still cooked.
    on_menu: bool = True

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("a menu needs a name")
        _check_terms(self.price, self.daily_portions)

    def registered(self, at: datetime) -> None:
        """The menu was stored and given its id: record that it exists."""
        self._record(MenuWasRegistered, at)

    def change(
        self,
        at: datetime,
        reserved_today: int,
        *,
        price: int | None = None,
        daily_portions: int | None = None,
        on_menu: bool | None = None,
    ) -> bool:
        """Change what is given (None: leave it); False if that changes nothing.

        Portions reserved today were sold, so the daily portions cannot be cut below them.
        Raising them is always allowed, even when more were honoured than there were.
        """
        price = self.price if price is None else price
        portions = self.daily_portions if daily_portions is None else daily_portions
        on_menu = self.on_menu if on_menu is None else on_menu
        _check_terms(price, portions)
        if portions < self.daily_portions and portions < reserved_today:
            raise PortionsBelowReserved(portions, reserved_today, self.menu_id)
        if (price, portions, on_menu) == (self.price, self.daily_portions, self.on_menu):
            return False
        self.price, self.daily_portions, self.on_menu = price, portions, on_menu
        self._record(MenuWasChanged, at)
        return True

    def _record(self, kind: type[MenuWasRegistered | MenuWasChanged], at: datetime) -> None:
        if self.menu_id is None:
            raise ValueError("a menu has no id until it is stored")
        self.record(
            kind(self.menu_id, self.name, self.price, self.daily_portions, self.on_menu, at)
        )


def _check_terms(price: int, daily_portions: int) -> None:
    if price < 0 or daily_portions < 0:
        raise ValueError("price and daily portions cannot be negative")


def _left(daily_portions: int, reserved: int) -> int:
    """Portions still to be had: never below zero, though more may have been honoured than
    there were, or the portions cut since."""
    return max(daily_portions - reserved, 0)


@dataclass
class DailyStock(Aggregate):
    """How many of a menu's portions are spoken for on one day."""

    menu_id: int
    day: date
    daily_portions: int
    reserved: int = 0

    @property
    def remaining(self) -> int:
        return _left(self.daily_portions, self.reserved)

    def reserve(self, qty: int) -> None:
        if qty < 1:
            raise ValueError("qty must be at least 1")
        if qty > self.remaining:
            raise SoldOut(self.menu_id, self.remaining)
        self.reserved += qty

    def honour(self, qty: int) -> None:
        """Count portions of an order that was accepted without a reservation, even past
        the day's limit: the employee was told yes, so the kitchen cooks it."""
        self.reserved += qty

    def release(self, qty: int) -> None:
        self.reserved = max(self.reserved - qty, 0)


class MenuToday(Value):
    """A menu and the portions reserved of it today, as the menu list shows it."""

    menu: Menu
    reserved: int = 0

    @property
    def remaining(self) -> int:
        """Portions left today, by the menu's daily portions as they now are."""
        return _left(self.menu.daily_portions, self.reserved)


# -- reservations ----------------------------------------------------------------------------


@dataclass
class Reservation(Aggregate):
    """Portions set aside for one order, made before hall commits it (idempotent per order)."""

    order_id: str
    menu_id: int
    menu_name: str
    price: int
    qty: int
    day: date
    reserved_at: datetime
    status: ReservationStatus = ReservationStatus.HELD

    @classmethod
    def hold(
        cls,
        order_id: str,
        menu_id: int,
        menu_name: str,
        price: int,
        qty: int,
        day: date,
        at: datetime,
    ) -> Reservation:
        """Portions of ``day``'s stock held for an order at the price it is sold at."""
        return cls(order_id, menu_id, menu_name, price, qty, day, at)

    @property
    def amount(self) -> int:
        return self.price * self.qty

    def same_request(self, menu_id: int, qty: int) -> bool:
        return self.menu_id == menu_id and self.qty == qty

    @property
    def given_back(self) -> bool:
        return self.status in (ReservationStatus.RELEASED, ReservationStatus.EXPIRED)

    @property
    def expired(self) -> bool:
        """Given back by the time-to-live: its portions count no more."""
        return self.status is ReservationStatus.EXPIRED

    @property
    def released(self) -> bool:
        """Given back because the order was cancelled: the kitchen's side of it is done."""
        return self.status is ReservationStatus.RELEASED

    def use(self) -> None:
        if self.status is ReservationStatus.RELEASED:
            raise IllegalCookTransition("the reservation was already released")
        self.status = ReservationStatus.USED

    def expire(self) -> None:
        """No order came for it in time (hall died before committing): give it back."""
        if self.status is not ReservationStatus.HELD:
            raise IllegalCookTransition(f"a {self.status} reservation cannot expire")
        self.status = ReservationStatus.EXPIRED

    def hold_again(self, now: datetime, day: date) -> None:
        """The same order asked again after its reservation expired (a late retry)."""
        if self.status is not ReservationStatus.EXPIRED:
            raise IllegalCookTransition(f"a {self.status} reservation cannot be held again")
        self.status, self.reserved_at, self.day = ReservationStatus.HELD, now, day

    def release(self, at: datetime, ticket: CookTicket | None = None) -> bool:
        """The order was cancelled: give the portions back, and record that its cooking
        was cancelled (``ticket``: the order's, if one was opened). False if the portions
        were given back already: by an earlier release (which changes and records nothing
        more) or by the time-to-live."""
        if self.released:
            return False
        already = self.given_back
        self.status = ReservationStatus.RELEASED
        cook_id = None if ticket is None else ticket.cook_id
        self.record(CookingWasCancelled(cook_id, self.order_id, at))
        return not already


# -- cooking tickets -------------------------------------------------------------------------


@dataclass
class CookTicket(Aggregate):
    order_id: str
    menu_id: int
    menu_name: str
    qty: int
    received_at: datetime
    status: CookStatus = CookStatus.RECEIVED
    cooked_at: datetime | None = None
    cook_id: int | None = None

    @classmethod
    def receive(
        cls, order_id: str, menu_id: int, menu_name: str, qty: int, at: datetime
    ) -> CookTicket:
        """A ticket to cook a placed order (``opened`` records it once it has its id)."""
        return cls(order_id, menu_id, menu_name, qty, received_at=at)

    @classmethod
    def of_cancelled_order(
        cls, order_id: str, menu_id: int, menu_name: str, qty: int, at: datetime
    ) -> CookTicket:
        """The ticket of an order hall cancelled before it arrived here: cancelled from the
        start, nothing to cook and nothing to tell."""
        return cls(order_id, menu_id, menu_name, qty, received_at=at, status=CookStatus.CANCELLED)

    @property
    def cooking_started(self) -> bool:
        """Cooking has started (or is done): the order can no longer be cancelled."""
        return self.status in (CookStatus.COOKING, CookStatus.COOKED)

    def opened(self) -> None:
        """The ticket was stored and given its id: record that the kitchen took the order."""
        if self.status is not CookStatus.RECEIVED:
            raise IllegalCookTransition(f"a {self.status} ticket was not opened to cook")
        self.record(
            TicketWasOpened(
                self._id(), self.order_id, self.menu_id, self.menu_name, self.qty, self.received_at
            )
        )

    def change_to(self, target: CookStatus, now: datetime) -> bool:
        """Move to ``target``; False if already there (a repeated request changes nothing)."""
        if target is self.status:
            return False
        if target is CookStatus.COOKING and self.status is CookStatus.RECEIVED:
            self.record(CookingWasStarted(self._id(), self.order_id, now))
            self.status = CookStatus.COOKING
        elif target is CookStatus.COOKED and self.status is CookStatus.COOKING:
            self.record(MealWasCooked(self._id(), self.order_id, now))
            self.status, self.cooked_at = CookStatus.COOKED, now
        else:
            raise IllegalCookTransition(f"a {self.status} ticket cannot become {target}")
        return True

    def cancel(self) -> bool:
        """Cancel before cooking; False if already cancelled. (The order's reservation
        records the cancel, whether a ticket was opened or not: Reservation.release.)"""
        if self.status is CookStatus.CANCELLED:
            return False
        if self.status is not CookStatus.RECEIVED:
            raise CookingAlreadyStarted(f"the ticket is already {self.status}")
        self.status = CookStatus.CANCELLED
        return True

    def _id(self) -> int:
        if self.cook_id is None:
            raise ValueError("a ticket has no id until it is stored")
        return self.cook_id


# -- surge protection ------------------------------------------------------------------------


@dataclass
class Admission:
    """Surge protection: the kitchen stops taking orders at ``capacity`` open orders and
    takes them again once the backlog is down to ``resume_below``, by itself. The gap keeps
    it from flapping at the edge. A refused order is told to come back after
    ``retry_after`` seconds (the setting busy_retry_after_seconds)."""

    capacity: int
    resume_below: int
    paused: bool = False
    open_orders: int = 0  # as last counted
    retry_after: int = 10

    def admits(self, open_orders: int) -> bool:
        self.open_orders = open_orders
        if self.paused and open_orders < self.resume_below:
            self.paused = False
        elif not self.paused and open_orders >= self.capacity:
            self.paused = True
        return not self.paused

    def refusal(self) -> AtCapacity:
        return AtCapacity(self.capacity, self.retry_after)
