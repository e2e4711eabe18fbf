"""The one mapping from payment's domain events to the integration events others read."""

from __future__ import annotations

from erestaurant.contracts import (
    EmployeeDeactivated,
    EmployeePinSet,
    EmployeeRegistered,
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
from erestaurant.platform.uow import EventMap, publisher

integration_event = EventMap(
    "payment",
    {
        EmployeeWasRegistered: EmployeeRegistered,
        EmployeeWasDeactivated: EmployeeDeactivated,
        PinWasSet: EmployeePinSet,
        PaymentWasDeducted: PaymentDeducted,
        PaymentWasCancelled: PaymentCancelled,
    },
)

publish = publisher(integration_event)
