"""Payment's model: payroll accounts and one payment per order. Standard library only.

Events about one order can arrive in any order (a redelivery overtakes another), so a
payment learns the order (card, amount) and the end of cooking separately and deducts once
it knows both. A cancelled payment never deducts, whatever arrives after.

A payroll account can be deactivated and its card issued again later, perhaps to someone
else; the card's PIN for the kiosk is kept only as a hash, made outside the domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from erestaurant.contracts.statuses import PaymentStatus


class PaymentError(Exception):
    pass


class CardAlreadyRegistered(PaymentError):
    pass


class CardDeactivated(PaymentError):
    """The card's account is deactivated: it takes no PIN until it is registered again."""


class IllegalPaymentTransition(PaymentError):
    pass


# Hall puts a card's news in order by these times (a redelivered event may come late), so
# each is kept after the one it follows even when this replica's clock is a little behind
# the one that wrote that.
_TICK = timedelta(microseconds=1)


def _after(now: datetime, earlier: datetime) -> datetime:
    return max(now, earlier + _TICK)


@dataclass
class Employee:
    employee_card_no: str
    name: str
    registered_at: datetime
    deactivated_at: datetime | None = None
    pin_hash: str | None = None

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
        if self.active:
            if name != self.name:
                raise CardAlreadyRegistered(f"card {self.employee_card_no} belongs to {self.name}")
            return False
        assert self.deactivated_at is not None
        self.name, self.registered_at = name, _after(now, self.deactivated_at)
        self.deactivated_at, self.pin_hash = None, None
        return True

    def deactivate(self, now: datetime) -> bool:
        """Close the account; False if it is closed already."""
        if not self.active:
            return False
        self.deactivated_at = _after(now, self.registered_at)
        return True

    def set_pin(self, pin_hash: str, now: datetime) -> datetime:
        """Keep a new PIN's hash; returns when it was set."""
        if not self.active:
            raise CardDeactivated(f"card {self.employee_card_no} is deactivated")
        self.pin_hash = pin_hash
        return _after(now, self.registered_at)


@dataclass
class Payment:
    order_id: str
    created_at: datetime
    employee_card_no: str | None = None
    amount: int | None = None
    status: PaymentStatus = PaymentStatus.PENDING
    cooked_at: datetime | None = None
    pay_period: str | None = None
    deducted_at: datetime | None = None
    payment_id: int | None = None

    def learn_order(self, employee_card_no: str, amount: int) -> None:
        if amount < 0:
            raise IllegalPaymentTransition("a negative amount cannot be deducted")
        self.employee_card_no, self.amount = employee_card_no, amount

    def learn_cooked(self, cooked_at: datetime) -> None:
        if self.status is PaymentStatus.CANCELLED:
            raise IllegalPaymentTransition("the order of a cancelled payment cannot be cooked")
        self.cooked_at = self.cooked_at or cooked_at

    @property
    def due(self) -> bool:
        """Owed now: pending, and both the order and the end of its cooking are known."""
        return (
            self.status is PaymentStatus.PENDING
            and self.amount is not None
            and self.cooked_at is not None
        )

    def deduct(self, now: datetime, pay_period: str) -> None:
        """Deduct now, in ``pay_period``: the month the meal was cooked, so that an outage
        of payment across a month's end does not move a meal to the next payroll."""
        if not self.due:
            raise IllegalPaymentTransition(f"a {self.status} payment is not due")
        self.status, self.deducted_at, self.pay_period = PaymentStatus.DEDUCTED, now, pay_period

    def cancel(self) -> bool:
        """Drop a pending payment; False if already cancelled."""
        if self.status is PaymentStatus.CANCELLED:
            return False
        if self.status is PaymentStatus.DEDUCTED:
            raise IllegalPaymentTransition("a deducted payment cannot be cancelled")
        self.status = PaymentStatus.CANCELLED
        return True
