"""Payment's model: payroll accounts and one payment per order. Standard library only.

Deducted once, and only when cooked
-----------------------------------
An order's price is deducted from the employee's salary exactly once, when its cooking has
ended, in the pay period of the month it was cooked; never for a cancelled order. The rule
is kept here, by ``Payment``: it deducts only when it knows both the order's terms (card and
amount, from hall's OrderPlaced) and the end of its cooking (the kitchen's Cooked, see
contracts/kitchen.py), whichever arrives first (a redelivery may overtake another event);
never twice (a deducted payment is not due, and its terms no longer change); never after a
cancel (a cancelled payment is not due, whatever arrives after). Each refusal is an
``IllegalPaymentTransition``; other terms for an order already deducted are refused as
``DeductionStands``, and the deduction stays as it was made.

Three backstops keep the same promise where the domain alone cannot, because two events
of one order may be handled at once by two replicas, or one event twice:

- the unique key on ``payments.order_id`` (payment/adapters.py): one payment per order; a
  second insert raises Duplicate, its transaction rolls back and the event is handled again
  later, when it finds the first;
- the row lock, ``FOR UPDATE`` in ``Payments.for_order`` (payment/adapters.py): the replica
  that handles the other half of an order waits for the first to commit, and reads the row
  as the first left it, instead of writing back an old one;
- the inbox (platform/inbox.py), recorded by the consumer (platform/consumer.py) in the same
  transaction as the handler's change: an event delivered again, under its own id, is not
  handled again. An event published again under a new id (hall's outbox after JetStream's
  duplicate window) passes the inbox: the domain makes it harmless (same terms: nothing
  changes; other terms after the deduction: refused, what was deducted stays).

A payroll account can be deactivated and its card issued again later, perhaps to someone
else; the card's PIN for the kiosk is kept only as a hash, made outside the domain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from erestaurant.contracts.statuses import PaymentStatus
from erestaurant.platform.domain import Aggregate, DomainError, DomainEvent, Value

# -- errors --------------------------------------------------------------------------------


class PaymentError(DomainError):
    pass


class EmployeeNotFound(PaymentError):
    def __init__(self, employee_card_no: str) -> None:
        super().__init__(f"no payroll account for card {employee_card_no}")
        self.employee_card_no = employee_card_no


class CardAlreadyRegistered(PaymentError):
    """The card's account is active under another name."""

    def __init__(self, employee_card_no: str, holder: str) -> None:
        super().__init__(f"card {employee_card_no} belongs to {holder}")
        self.employee_card_no, self.holder = employee_card_no, holder


class CardDeactivated(PaymentError):
    """The card's account is deactivated: it takes no PIN until it is registered again."""

    def __init__(self, employee_card_no: str) -> None:
        super().__init__(f"card {employee_card_no} is deactivated")
        self.employee_card_no = employee_card_no


class IllegalPaymentTransition(PaymentError):
    pass


class DeductionStands(IllegalPaymentTransition):
    """An order's terms (card, amount) told again after its deduction, and other than the
    ones deducted: what was deducted is not changed. Hall never changes an order's terms,
    so this is a broken or a forged event; the handler logs it and leaves the payment."""


# -- what happened -------------------------------------------------------------------------


class EmployeeWasRegistered(DomainEvent):
    """An account was opened, or a deactivated card issued again."""

    employee_card_no: str
    name: str
    registered_at: datetime


class EmployeeWasDeactivated(DomainEvent):
    employee_card_no: str
    deactivated_at: datetime


class PinWasSet(DomainEvent):
    employee_card_no: str
    pin_hash: str
    set_at: datetime


class PaymentWasDeducted(DomainEvent):
    payment_id: int
    order_id: str
    employee_card_no: str
    amount: int
    pay_period: str
    deducted_at: datetime


class PaymentWasCancelled(DomainEvent):
    payment_id: int
    order_id: str
    employee_card_no: str
    cancelled_at: datetime


# -- payroll accounts ----------------------------------------------------------------------

# Hall puts a card's news in order by these times (a redelivered event may come late), so
# each is kept after the one it follows even when this replica's clock is a little behind
# the one that wrote that.
_TICK = timedelta(microseconds=1)


def _after(now: datetime, earlier: datetime) -> datetime:
    return max(now, earlier + _TICK)


@dataclass
class Employee(Aggregate):
    employee_card_no: str
    name: str
    registered_at: datetime
    deactivated_at: datetime | None = None
    pin_hash: str | None = None

    @classmethod
    def register(cls, employee_card_no: str, name: str, now: datetime) -> Employee:
        """A new payroll account, active, without a PIN."""
        employee = cls(employee_card_no, name, now)
        employee._registered()
        return employee

    @property
    def active(self) -> bool:
        return self.deactivated_at is None

    @property
    def pin_set(self) -> bool:
        return self.pin_hash is not None

    def register_again(self, name: str, now: datetime) -> bool:
        """The card is registered once more: a harmless repeat (False) while it is active
        with this name; a deactivated card is issued again (True), perhaps to someone else,
        and starts without a PIN, so that its last holder's does not open it."""
        if self.deactivated_at is None:
            if name != self.name:
                raise CardAlreadyRegistered(self.employee_card_no, self.name)
            return False
        self.name, self.registered_at = name, _after(now, self.deactivated_at)
        self.deactivated_at, self.pin_hash = None, None
        self._registered()
        return True

    def deactivate(self, now: datetime) -> bool:
        """Close the account; False if it is closed already."""
        if not self.active:
            return False
        self.deactivated_at = _after(now, self.registered_at)
        self.record(EmployeeWasDeactivated(self.employee_card_no, self.deactivated_at))
        return True

    def set_pin(self, pin_hash: str, now: datetime) -> datetime:
        """Keep a new PIN's hash; returns when it was set."""
        if not self.active:
            raise CardDeactivated(self.employee_card_no)
        self.pin_hash = pin_hash
        set_at = _after(now, self.registered_at)
        self.record(PinWasSet(self.employee_card_no, pin_hash, set_at))
        return set_at

    def _registered(self) -> None:
        self.record(EmployeeWasRegistered(self.employee_card_no, self.name, self.registered_at))


# -- payments ------------------------------------------------------------------------------

# The pay period (YYYY-MM) an instant falls in, in the company's calendar.
PayPeriodOf = Callable[[datetime], str]


class OrderTerms(Value):
    """What the order says is owed, and by whom: hall's OrderPlaced tells both at once."""

    employee_card_no: str
    amount: int


class Deduction(Value):
    """A deduction made: in which pay period (the month the meal was cooked), and when."""

    pay_period: str
    deducted_at: datetime


@dataclass
class Payment(Aggregate):
    """The payment of one order (see the module's docstring: deducted once, only when
    cooked). A store gives it its ``payment_id`` when it is first kept."""

    payment_id: int
    order_id: str
    created_at: datetime
    status: PaymentStatus = PaymentStatus.PENDING
    terms: OrderTerms | None = None
    cooked_at: datetime | None = None
    deduction: Deduction | None = None
    # The card a cancellation named while the order's terms were unknown: whose payment
    # this is until the order says.
    card_from_cancel: str | None = None

    # The payment as one flat row (its table, its API answer).

    @property
    def employee_card_no(self) -> str | None:
        return self.terms.employee_card_no if self.terms else self.card_from_cancel

    @property
    def amount(self) -> int | None:
        return self.terms.amount if self.terms else None

    @property
    def pay_period(self) -> str | None:
        return self.deduction.pay_period if self.deduction else None

    @property
    def deducted_at(self) -> datetime | None:
        return self.deduction.deducted_at if self.deduction else None

    # Its moves.

    def learn_order(self, employee_card_no: str, amount: int) -> None:
        """Learn the order's terms. Once deducted they stand: the same terms again (an
        OrderPlaced published again) change nothing, other terms are refused
        (DeductionStands). Before the deduction the latest told are kept."""
        if amount < 0:
            raise IllegalPaymentTransition("a negative amount cannot be deducted")
        terms = OrderTerms(employee_card_no, amount)
        if self.deduction is not None and terms != self.terms:
            raise DeductionStands(
                f"deducted already: an order of card {employee_card_no} for {amount} won"
                " cannot change what was deducted"
            )
        self.terms, self.card_from_cancel = terms, None

    def learn_cooked(self, cooked_at: datetime) -> None:
        """Learn when the cooking ended; the first time told is kept."""
        if self.status is PaymentStatus.CANCELLED:
            raise IllegalPaymentTransition("the order of a cancelled payment cannot be cooked")
        self.cooked_at = self.cooked_at or cooked_at

    @property
    def due(self) -> bool:
        """Owed now: pending, and both the order and the end of its cooking are known."""
        return self._owed() is not None

    def deduct(self, now: datetime, pay_period_of: PayPeriodOf) -> PaymentWasDeducted:
        """Deduct now, in the pay period of the month the meal was cooked, so that an outage
        of payment across a month's end does not move a meal to the next payroll."""
        owed = self._owed()
        if owed is None:
            raise IllegalPaymentTransition(f"a {self.status} payment is not due")
        terms, cooked_at = owed
        self.status = PaymentStatus.DEDUCTED
        self.deduction = Deduction(pay_period_of(cooked_at), now)
        deducted = PaymentWasDeducted(
            self.payment_id,
            self.order_id,
            terms.employee_card_no,
            terms.amount,
            self.deduction.pay_period,
            now,
        )
        self.record(deducted)
        return deducted

    def cancel(self, employee_card_no: str, now: datetime) -> bool:
        """Drop a pending payment, of the card the cancellation names unless the order's
        terms say whose; False if already cancelled."""
        if self.status is PaymentStatus.CANCELLED:
            return False
        if self.status is PaymentStatus.DEDUCTED:
            raise IllegalPaymentTransition("a deducted payment cannot be cancelled")
        self.status = PaymentStatus.CANCELLED
        if self.terms is None:
            self.card_from_cancel = employee_card_no
        card = self.terms.employee_card_no if self.terms else employee_card_no
        self.record(PaymentWasCancelled(self.payment_id, self.order_id, card, now))
        return True

    def _owed(self) -> tuple[OrderTerms, datetime] | None:
        if self.status is not PaymentStatus.PENDING or self.cooked_at is None:
            return None
        return None if self.terms is None else (self.terms, self.cooked_at)
