"""Hall's model: the orders, and the cards it may take orders from. Standard library only.

Hall's copy of a card follows payment's news of it: registered, deactivated, a PIN set.
That news can be redelivered late and out of order, so each piece carries its time and the
later one wins; a deactivation or a PIN may even arrive before the registration it follows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from erestaurant.contracts.statuses import OrderStatus
from erestaurant.platform.domain import Aggregate, DomainError, DomainEvent

# Wrong PINs in a row that lock a card, and for how long: at 5 guesses every 5 minutes,
# trying all 10,000 four-digit PINs takes a week, while one who mistyped waits 5 minutes.
PIN_TRIES = 5
PIN_LOCK = timedelta(minutes=5)


class HallError(DomainError):
    """A request hall must refuse."""


class UnknownCard(HallError):
    def __init__(self, employee_card_no: str) -> None:
        super().__init__(f"card {employee_card_no} is not registered for payroll")
        self.employee_card_no = employee_card_no


class CardDeactivated(HallError):
    """Payroll closed the card's account: it orders no more until it is registered again."""

    def __init__(self, employee_card_no: str) -> None:
        super().__init__(f"card {employee_card_no} is deactivated")
        self.employee_card_no = employee_card_no


class PinRequired(HallError):
    """Kiosks ask for a PIN, and the order came without one."""

    def __init__(self) -> None:
        super().__init__("this kiosk asks for the employee's PIN")


class PinNotSet(HallError):
    """Kiosks ask for a PIN, and the card has none yet (payroll or the employee sets it)."""

    def __init__(self, employee_card_no: str) -> None:
        super().__init__(f"card {employee_card_no} has no PIN yet")


class WrongPin(HallError):
    """The PIN typed does not match the card's; ``tries_left`` before it locks (0: locked)."""

    def __init__(self, employee_card_no: str, tries_left: int) -> None:
        then = f"{tries_left} tries left" if tries_left else "the card is locked for a while"
        super().__init__(f"wrong PIN for card {employee_card_no}: {then}")
        self.tries_left = tries_left


class PinLocked(HallError):
    """Too many wrong PINs in a row: the card takes no PIN until ``until``."""

    def __init__(self, employee_card_no: str, until: datetime) -> None:
        super().__init__(f"card {employee_card_no} is locked after {PIN_TRIES} wrong PINs")
        self.until = until

    def seconds_left(self, now: datetime) -> int:
        return max(1, math.ceil((self.until - now).total_seconds()))


class IllegalOrderTransition(HallError):
    pass


class OrderNotCancellable(IllegalOrderTransition):
    """Cooking started (or is done): the order is the kitchen's now."""

    def __init__(self, status: OrderStatus) -> None:
        super().__init__(f"the order is already {status}")


class IdempotencyKeyReused(HallError):
    """The same Idempotency-Key came with another card, menu or quantity."""

    def __init__(self) -> None:
        super().__init__("this Idempotency-Key was used for another order")


# -- what happens to an order (hall/events.py tells the others) --------------------------
#
# Each holds the order as it stands after the move: the handler that made the move
# publishes it in the same transaction.


class OrderWasPlaced(DomainEvent):
    order: Order


class OrderWasCancelled(DomainEvent):
    order: Order
    cancelled_at: datetime


class OrderWasCompleted(DomainEvent):
    order: Order
    completed_at: datetime


@dataclass
class Card:
    employee_card_no: str
    # None until the registration arrives (a deactivation or a PIN overtook it).
    name: str | None = None
    # None also on cards hall learnt before it kept the time of registrations.
    registered_at: datetime | None = None
    deactivated_at: datetime | None = None
    pin_hash: str | None = None
    pin_set_at: datetime | None = None
    # Kept on the card's row, so that every replica of hall counts the same tries.
    wrong_pins: int = 0
    pin_locked_until: datetime | None = None

    @property
    def active(self) -> bool:
        """Registered, and not deactivated since (a card issued again is registered after
        its deactivation)."""
        if self.deactivated_at is None:
            return self.name is not None
        return self.registered_at is not None and self.registered_at > self.deactivated_at

    def learn_registered(self, name: str, registered_at: datetime) -> bool:
        """Payment registered the card; False if hall knows of a later registration."""
        if self.registered_at is not None and registered_at <= self.registered_at:
            return False
        self.name, self.registered_at = name, registered_at
        if self.pin_set_at is not None and self.pin_set_at < registered_at:
            # Issued again, perhaps to someone else: the last holder's PIN must not open it.
            self.pin_hash = self.pin_set_at = self.pin_locked_until = None
            self.wrong_pins = 0
        return True

    def learn_deactivated(self, deactivated_at: datetime) -> bool:
        """Payment closed the account; False if hall knows of a later deactivation."""
        if self.deactivated_at is not None and deactivated_at <= self.deactivated_at:
            return False
        self.deactivated_at = deactivated_at
        return True

    def learn_pin(self, pin_hash: str, set_at: datetime) -> bool:
        """A PIN was set; False if a later one is known, or the card was issued again since."""
        if self.pin_set_at is not None and set_at <= self.pin_set_at:
            return False
        if self.registered_at is not None and set_at < self.registered_at:
            return False
        self.pin_hash, self.pin_set_at = pin_hash, set_at
        self.wrong_pins, self.pin_locked_until = 0, None  # a new PIN, a fresh count
        return True

    def check_may_order(self) -> None:
        if self.name is None and self.deactivated_at is None:
            raise UnknownCard(self.employee_card_no)
        if not self.active:
            raise CardDeactivated(self.employee_card_no)

    def pin_hash_to_check(self, pin_given: bool, now: datetime) -> str:
        """The hash a typed PIN is to be checked against; refused while the card is locked,
        when it has no PIN, and when none was typed."""
        self._check_not_locked(now)
        if self.pin_hash is None:
            raise PinNotSet(self.employee_card_no)
        if not pin_given:
            raise PinRequired()
        return self.pin_hash

    def pin_tried(self, right: bool, now: datetime) -> int:
        """Count a PIN checked against this card's hash: a right one starts the count of
        wrong ones again. Returns the tries left before the card locks (0: locked now)."""
        self._check_not_locked(now)  # wrong PINs at another kiosk may have locked it since
        self.wrong_pins = 0 if right else self.wrong_pins + 1
        if self.wrong_pins < PIN_TRIES:
            return PIN_TRIES - self.wrong_pins
        self.wrong_pins, self.pin_locked_until = 0, now + PIN_LOCK
        return 0

    def _check_not_locked(self, now: datetime) -> None:
        if self.pin_locked_until is not None and now < self.pin_locked_until:
            raise PinLocked(self.employee_card_no, self.pin_locked_until)


@dataclass
class Order(Aggregate):
    order_id: str
    employee_card_no: str
    menu_id: int
    menu_name: str
    qty: int
    amount: int
    ordered_at: datetime
    status: OrderStatus = OrderStatus.ORDERED
    updated_at: datetime | None = None
    # Who placed it (a kiosk's client id, or the person's subject): a kiosk may cancel only
    # the orders it placed itself.
    placed_by: str | None = None

    @classmethod
    def place(
        cls,
        *,
        order_id: str,
        employee_card_no: str,
        menu_id: int,
        menu_name: str,
        qty: int,
        amount: int,
        ordered_at: datetime,
        placed_by: str | None = None,
    ) -> Order:
        """A new order, its portions reserved in the kitchen (at ``amount``)."""
        order = cls(
            order_id,
            employee_card_no,
            menu_id,
            menu_name,
            qty,
            amount,
            ordered_at,
            placed_by=placed_by,
        )
        order.record(OrderWasPlaced(order))
        return order

    def is_same_request(self, employee_card_no: str, menu_id: int, qty: int) -> bool:
        return (self.employee_card_no, self.menu_id, self.qty) == (employee_card_no, menu_id, qty)

    def start_cooking(self, now: datetime) -> bool:
        """The kitchen started cooking; False if the order is already past that."""
        if self.status is OrderStatus.CANCELLED:
            raise IllegalOrderTransition("a cancelled order cannot be cooked")
        if self.status is not OrderStatus.ORDERED:
            return False
        self._move(OrderStatus.COOKING, now)
        return True

    def complete(self, now: datetime) -> bool:
        """Cooking finished (the start may not have reached us yet); False if already done."""
        if self.status is OrderStatus.CANCELLED:
            raise IllegalOrderTransition("a cancelled order cannot be completed")
        if self.status is OrderStatus.COMPLETED:
            return False
        self._move(OrderStatus.COMPLETED, now)
        self.record(OrderWasCompleted(self, completed_at=now))
        return True

    def check_cancellable(self) -> bool:
        """Whether a cancel has anything to do: False if the order is cancelled already;
        OrderNotCancellable once cooking started."""
        if self.status is OrderStatus.CANCELLED:
            return False
        if self.status is not OrderStatus.ORDERED:
            raise OrderNotCancellable(self.status)
        return True

    def cancel(self, now: datetime) -> bool:
        """Cancel before cooking started; False if already cancelled."""
        if not self.check_cancellable():
            return False
        self._move(OrderStatus.CANCELLED, now)
        self.record(OrderWasCancelled(self, cancelled_at=now))
        return True

    def kitchen_cancelled(self, now: datetime) -> bool:
        """The kitchen cancelled the order's ticket, which only hall asks it to do: finish
        the cancel if hall did not get to commit it; False if there is nothing to finish
        (cancelled already, or past ORDERED as far as hall knows)."""
        return self.status is OrderStatus.ORDERED and self.cancel(now)

    def _move(self, status: OrderStatus, now: datetime) -> None:
        self.status = status
        self.updated_at = now
