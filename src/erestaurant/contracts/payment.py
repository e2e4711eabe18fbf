"""Events published by payment, the owner of payroll accounts and salary deductions."""

from __future__ import annotations

from pydantic import AwareDatetime

from erestaurant.contracts.base import IntegrationEvent


class EmployeeRegistered(IntegrationEvent):
    """A payroll account was opened, or a deactivated card was issued again: the card may
    now order meals. A card issued again has no PIN until one is set after this."""

    source = "payment"
    employee_card_no: str
    name: str
    registered_at: AwareDatetime


class EmployeeDeactivated(IntegrationEvent):
    """A payroll account was closed: the card may no longer order until it is registered
    again. Whichever of this and a registration arrives first, the later in time holds."""

    source = "payment"
    employee_card_no: str
    deactivated_at: AwareDatetime


class EmployeePinSet(IntegrationEvent):
    """An employee's kiosk PIN was set. Only its argon2 hash travels, so that hall can check
    PINs at the kiosk while payment is down; the PIN itself never leaves payment."""

    source = "payment"
    employee_card_no: str
    pin_hash: str
    set_at: AwareDatetime


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
