"""The kitchen's model: menus, a day's stock of portions, reservations and cooking tickets.

Standard library only. Every transition is guarded here; an illegal move raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from erestaurant.contracts.statuses import CookStatus


class KitchenError(Exception):
    """A request the kitchen must refuse."""


class NotOnMenu(KitchenError):
    pass


class SoldOut(KitchenError):
    pass


class IllegalCookTransition(KitchenError):
    pass


class CookingAlreadyStarted(KitchenError):
    pass


class PortionsBelowReserved(KitchenError):
    """Fewer daily portions than are already reserved today: those were sold."""

    def __init__(self, asked: int, reserved: int) -> None:
        super().__init__(
            f"{reserved} portion(s) are already reserved today: daily portions cannot be"
            f" cut to {asked}"
        )
        self.asked, self.reserved = asked, reserved


class ReservationMismatch(KitchenError):
    """The same order id came back asking for another menu or quantity."""


class AtCapacity(KitchenError):
    """The kitchen has as many open orders as it can cook: no new ones for now."""


class ReservationStatus(StrEnum):
    HELD = "HELD"  # reserved for an order that hall is about to commit
    USED = "USED"  # the order was placed and its ticket opened
    RELEASED = "RELEASED"  # given back: the order was cancelled
    EXPIRED = "EXPIRED"  # given back: no order came for it within the time-to-live


@dataclass(frozen=True)
class MenuEvent:
    """What a menu records of itself when it is registered or changed: the menu as it then
    was. The handlers publish each as an integration event."""

    menu_id: int
    name: str
    price: int
    daily_portions: int
    on_menu: bool
    at: datetime


class MenuWasRegistered(MenuEvent):
    pass


class MenuWasChanged(MenuEvent):
    pass


@dataclass
class Menu:
    name: str
    price: int
    daily_portions: int
    menu_id: int | None = None
    # False: taken off the menu. Kiosks no longer list it and new orders are refused, but
    # the orders already taken for it are still cooked.
    on_menu: bool = True
    events: list[MenuEvent] = field(default_factory=list, compare=False, repr=False)

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
            raise PortionsBelowReserved(portions, reserved_today)
        if (price, portions, on_menu) == (self.price, self.daily_portions, self.on_menu):
            return False
        self.price, self.daily_portions, self.on_menu = price, portions, on_menu
        self._record(MenuWasChanged, at)
        return True

    def take_events(self) -> list[MenuEvent]:
        """The events recorded since last taken, for the handler to publish once."""
        taken, self.events = self.events, []
        return taken

    def _record(self, kind: type[MenuEvent], at: datetime) -> None:
        if self.menu_id is None:
            raise ValueError("a menu has no id until it is stored")
        self.events.append(
            kind(self.menu_id, self.name, self.price, self.daily_portions, self.on_menu, at)
        )


def _check_terms(price: int, daily_portions: int) -> None:
    if price < 0 or daily_portions < 0:
        raise ValueError("price and daily portions cannot be negative")


@dataclass
class DailyStock:
    """How many of a menu's portions are spoken for on one day."""

    menu_id: int
    day: date
    daily_portions: int
    reserved: int = 0

    @property
    def remaining(self) -> int:
        return max(self.daily_portions - self.reserved, 0)

    def reserve(self, qty: int) -> None:
        if qty < 1:
            raise ValueError("qty must be at least 1")
        if qty > self.remaining:
            raise SoldOut(f"only {self.remaining} portion(s) left today")
        self.reserved += qty

    def honour(self, qty: int) -> None:
        """Count portions of an order that was accepted without a reservation, even past
        the day's limit: the employee was told yes, so the kitchen cooks it."""
        self.reserved += qty

    def release(self, qty: int) -> None:
        self.reserved = max(self.reserved - qty, 0)


@dataclass
class Reservation:
    """Portions set aside for one order, made before hall commits it (idempotent per order)."""

    order_id: str
    menu_id: int
    menu_name: str
    price: int
    qty: int
    day: date
    reserved_at: datetime
    status: ReservationStatus = ReservationStatus.HELD

    @property
    def amount(self) -> int:
        return self.price * self.qty

    def same_request(self, menu_id: int, qty: int) -> bool:
        return self.menu_id == menu_id and self.qty == qty

    @property
    def given_back(self) -> bool:
        return self.status in (ReservationStatus.RELEASED, ReservationStatus.EXPIRED)

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

    def release(self) -> bool:
        """The order was cancelled: give the portions back. False if they were given back
        already, by an earlier cancel or by the time-to-live."""
        already = self.given_back
        self.status = ReservationStatus.RELEASED
        return not already


@dataclass
class CookTicket:
    order_id: str
    menu_id: int
    menu_name: str
    qty: int
    received_at: datetime
    status: CookStatus = CookStatus.RECEIVED
    cooked_at: datetime | None = None
    cook_id: int | None = None

    def change_to(self, target: CookStatus, now: datetime) -> bool:
        """Move to ``target``; False if already there (a repeated request changes nothing)."""
        if target is self.status:
            return False
        if target is CookStatus.COOKING and self.status is CookStatus.RECEIVED:
            self.status = CookStatus.COOKING
        elif target is CookStatus.COOKED and self.status is CookStatus.COOKING:
            self.status, self.cooked_at = CookStatus.COOKED, now
        else:
            raise IllegalCookTransition(f"a {self.status} ticket cannot become {target}")
        return True

    def cancel(self) -> bool:
        """Cancel before cooking; False if already cancelled."""
        if self.status is CookStatus.CANCELLED:
            return False
        if self.status is not CookStatus.RECEIVED:
            raise CookingAlreadyStarted(f"the ticket is already {self.status}")
        self.status = CookStatus.CANCELLED
        return True


@dataclass
class Admission:
    """Surge protection: the kitchen stops taking orders at ``capacity`` open orders and
    takes them again once the backlog is down to ``resume_below``, by itself. The gap keeps
    it from flapping at the edge."""

    capacity: int
    resume_below: int
    paused: bool = False
    open_orders: int = 0  # as last counted

    def admits(self, open_orders: int) -> bool:
        self.open_orders = open_orders
        if self.paused and open_orders < self.resume_below:
            self.paused = False
        elif not self.paused and open_orders >= self.capacity:
            self.paused = True
        return not self.paused
