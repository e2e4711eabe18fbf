"""Events published by hall, the owner of orders."""

from __future__ import annotations

from pydantic import AwareDatetime

from erestaurant.contracts.base import IntegrationEvent


class OrderPlaced(IntegrationEvent):
    """An employee's order was accepted; its portions are already reserved in the kitchen."""

    source = "hall"
    order_id: str
    employee_card_no: str
    menu_id: int
    menu_name: str
    qty: int
    amount: int
    ordered_at: AwareDatetime


class OrderCancelled(IntegrationEvent):
    """An order was cancelled before cooking started; nothing is to be deducted for it."""

    source = "hall"
    order_id: str
    employee_card_no: str
    cancelled_at: AwareDatetime


class OrderCompleted(IntegrationEvent):
    """An order's meal is cooked and ready to be picked up."""

    source = "hall"
    order_id: str
    employee_card_no: str
    menu_name: str
    qty: int
    amount: int
    completed_at: AwareDatetime
