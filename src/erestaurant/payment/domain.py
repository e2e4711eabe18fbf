"""Payment's model: payroll accounts and one payment per order. Standard library only.

Events about one order can arrive in any order (a redelivery overtakes another), so a
payment learns the order (card, amount) and the end of cooking separately and deducts once
it knows both. A cancelled payment never deducts, whatever arrives after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class PaymentError(Exception):
    pass


class CardAlreadyRegistered(PaymentError):
    pass


class IllegalPaymentTransition(PaymentError):
    pass


class PaymentStatus(StrEnum):
    PENDING = "PENDING"
    DEDUCTED = "DEDUCTED"
    CANCELLED = "CANCELLED"


@dataclass
class Employee:
    employee_card_no: str
    name: str
    registered_at: datetime


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
