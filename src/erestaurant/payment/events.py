"""The one mapping from payment's domain events to the integration events others read."""

from __future__ import annotations

from erestaurant.contracts import (
    EmployeeDeactivated,
    EmployeePinSet,
    EmployeeRegistered,
    IntegrationEvent,
    PaymentCancelled,
    PaymentDeducted,
)
from erestaurant.payment.domain import (
    EmployeeWasDeactivated,
    EmployeeWasRegistered,
    PaymentWasCancelled,
    PaymentWasDeducted,
    PinWasSet,
)
from erestaurant.platform.domain import DomainEvent
from erestaurant.platform.uow import publisher


def integration_event(event: DomainEvent) -> IntegrationEvent:
    match event:
        case EmployeeWasRegistered():
            return EmployeeRegistered(
                employee_card_no=event.employee_card_no,
                name=event.name,
                registered_at=event.registered_at,
            )
        case EmployeeWasDeactivated():
            return EmployeeDeactivated(
                employee_card_no=event.employee_card_no, deactivated_at=event.deactivated_at
            )
        case PinWasSet():
            return EmployeePinSet(
                employee_card_no=event.employee_card_no,
                pin_hash=event.pin_hash,
                set_at=event.set_at,
            )
        case PaymentWasDeducted():
            return PaymentDeducted(
                payment_id=event.payment_id,
                order_id=event.order_id,
                employee_card_no=event.employee_card_no,
                amount=event.amount,
                pay_period=event.pay_period,
                deducted_at=event.deducted_at,
            )
        case PaymentWasCancelled():
            return PaymentCancelled(
                payment_id=event.payment_id,
                order_id=event.order_id,
                employee_card_no=event.employee_card_no,
                cancelled_at=event.cancelled_at,
            )
    raise TypeError(f"payment publishes no integration event for {type(event).__name__}")


publish = publisher(integration_event)
