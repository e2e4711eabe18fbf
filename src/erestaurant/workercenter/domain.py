"""One row of an employee's "my page": an order as the owning services last told it.

Events reach the view in any order after a redelivery, so a status only ever moves forward:
a late "cooking started" never overwrites "cooked". Standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from erestaurant.contracts.statuses import CookStatus, OrderStatus, PaymentStatus

S = TypeVar("S", bound=StrEnum)

# How far along each status is; a status of lower rank than the current one is stale.
ORDER_RANK = {
    OrderStatus.ORDERED: 1,
    OrderStatus.COOKING: 2,
    OrderStatus.COMPLETED: 3,
    OrderStatus.CANCELLED: 3,
}
COOK_RANK = {
    CookStatus.RECEIVED: 1,
    CookStatus.COOKING: 2,
    CookStatus.COOKED: 3,
    CookStatus.CANCELLED: 3,
}
PAYMENT_RANK = {PaymentStatus.PENDING: 1, PaymentStatus.DEDUCTED: 2, PaymentStatus.CANCELLED: 2}


@dataclass
class MyPageRow:
    order_id: str
    updated_at: datetime
    employee_card_no: str | None = None
    menu_name: str | None = None
    qty: int | None = None
    amount: int | None = None
    order_status: OrderStatus | None = None
    cook_status: CookStatus | None = None
    payment_status: PaymentStatus | None = None
    notified: bool = False
    # Whether a move since the row was read changed it (then it is saved); not stored.
    changed: bool = field(default=False, compare=False, repr=False)

    def describe(self, employee_card_no: str, menu_name: str, qty: int, amount: int) -> None:
        self.employee_card_no, self.menu_name = employee_card_no, menu_name
        self.qty, self.amount = qty, amount
        self.changed = True

    def advance_order(self, status: OrderStatus) -> None:
        self.order_status = self._forward(self.order_status, status, ORDER_RANK)

    def advance_cook(self, status: CookStatus) -> None:
        self.cook_status = self._forward(self.cook_status, status, COOK_RANK)

    def advance_payment(self, status: PaymentStatus) -> None:
        self.payment_status = self._forward(self.payment_status, status, PAYMENT_RANK)

    def advance(self, *statuses: OrderStatus | CookStatus | PaymentStatus) -> None:
        """Move each of the statuses it names forward (an order's, a cook's, a payment's)."""
        for status in statuses:
            match status:
                case OrderStatus():
                    self.advance_order(status)
                case CookStatus():
                    self.advance_cook(status)
                case PaymentStatus():
                    self.advance_payment(status)

    def mark_notified(self) -> None:
        self.changed = self.changed or not self.notified
        self.notified = True

    def touch(self, at: datetime) -> None:
        self.updated_at = max(self.updated_at, at)

    def _forward(self, current: S | None, new: S, rank: Mapping[S, int]) -> S | None:
        if current is not None and rank[new] <= rank[current]:
            return current
        self.changed = True
        return new
