"""Integration events: the versioned, past-tense contracts that services exchange on the wire.

They are kept apart from each service's domain so that a service can change its model
without changing what others read. Each class is one event type at one version.
"""

from erestaurant.contracts.base import IntegrationEvent
from erestaurant.contracts.envelope import Envelope, UnknownEventError, decode
from erestaurant.contracts.hall import OrderCancelled, OrderCompleted, OrderPlaced
from erestaurant.contracts.kitchen import (
    CookCancelled,
    Cooked,
    CookReceived,
    CookStarted,
    MenuChanged,
    MenuRegistered,
)
from erestaurant.contracts.notification import MealReadyMessageSent
from erestaurant.contracts.payment import (
    EmployeeDeactivated,
    EmployeePinSet,
    EmployeeRegistered,
    PaymentCancelled,
    PaymentDeducted,
)

CATALOG: dict[str, type[IntegrationEvent]] = {
    cls.event_type(): cls
    for cls in (
        OrderPlaced,
        OrderCancelled,
        OrderCompleted,
        CookReceived,
        CookStarted,
        Cooked,
        CookCancelled,
        MenuRegistered,
        MenuChanged,
        EmployeeRegistered,
        EmployeeDeactivated,
        EmployeePinSet,
        PaymentDeducted,
        PaymentCancelled,
        MealReadyMessageSent,
    )
}

__all__ = [
    "CATALOG",
    "CookCancelled",
    "CookReceived",
    "CookStarted",
    "Cooked",
    "EmployeeDeactivated",
    "EmployeePinSet",
    "EmployeeRegistered",
    "Envelope",
    "IntegrationEvent",
    "MealReadyMessageSent",
    "MenuChanged",
    "MenuRegistered",
    "OrderCancelled",
    "OrderCompleted",
    "OrderPlaced",
    "PaymentCancelled",
    "PaymentDeducted",
    "UnknownEventError",
    "decode",
]
