"""Hall's model: the orders, and the cards it may take orders from. Standard library only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class HallError(Exception):
    """A request hall must refuse."""


class UnknownCard(HallError):
    pass


class IllegalOrderTransition(HallError):
    pass


class OrderNotCancellable(IllegalOrderTransition):
    pass


class IdempotencyKeyReused(HallError):
    """The same Idempotency-Key came with another card, menu or quantity."""


class OrderStatus(StrEnum):
    ORDERED = "ORDERED"
    COOKING = "COOKING"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


@dataclass
class Card:
    employee_card_no: str
    name: str


@dataclass
class Order:
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
        return True

    def cancel(self, now: datetime) -> bool:
        """Cancel before cooking started; False if already cancelled."""
        if self.status is OrderStatus.CANCELLED:
            return False
        if self.status is not OrderStatus.ORDERED:
            raise OrderNotCancellable(f"the order is already {self.status}")
        self._move(OrderStatus.CANCELLED, now)
        return True

    def _move(self, status: OrderStatus, now: datetime) -> None:
        self.status = status
        self.updated_at = now
