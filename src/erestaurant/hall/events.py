"""What hall tells the others: the one mapping from its domain events to the integration
events on the wire (``erestaurant.contracts.hall``)."""

from __future__ import annotations

from erestaurant.contracts import OrderCancelled, OrderCompleted, OrderPlaced
from erestaurant.hall.domain import OrderWasCancelled, OrderWasCompleted, OrderWasPlaced
from erestaurant.platform.uow import EventMap, publisher

integration_event = EventMap(
    "hall",
    {
        OrderWasPlaced: OrderPlaced,
        OrderWasCancelled: OrderCancelled,
        OrderWasCompleted: OrderCompleted,
    },
)

publish = publisher(integration_event)
