"""Events published by payment, the owner of payroll accounts and salary deductions."""

from __future__ import annotations

from pydantic import AwareDatetime

from erestaurant.contracts.base import IntegrationEvent


class EmployeeRegistered(IntegrationEvent):
    """A payroll account was opened: the card may now order meals."""

    source = "payment"
    employee_card_no: str
    name: str
    registered_at: AwareDatetime


class PaymentDeducted(IntegrationEvent):
    """An order's price was deducted from the employee's salary for a pay period."""

    source = "payment"
    payment_id: int
    order_id: str
    employee_card_no: str
    amount: int
    pay_period: str
    deducted_at: AwareDatetime


class PaymentCancelled(IntegrationEvent):
    """A pending payment was dropped because its order was cancelled."""

    source = "payment"
    payment_id: int
    order_id: str
    employee_card_no: str | None
    cancelled_at: AwareDatetime
