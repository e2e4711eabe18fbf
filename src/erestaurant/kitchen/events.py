"""The one mapping from the kitchen's domain events to the integration events it publishes.

The wire contracts (``erestaurant.contracts``) are kept apart from the domain's events, so
that either can change alone; this is the only place that knows both.
"""

from __future__ import annotations

from erestaurant.contracts import kitchen as contract
from erestaurant.kitchen.domain import (
    CookingWasCancelled,
    CookingWasStarted,
    MealWasCooked,
    MenuWasChanged,
    MenuWasRegistered,
    TicketWasOpened,
)
from erestaurant.platform.uow import EventMap, publisher

integration_event = EventMap(
    "the kitchen",
    {
        MenuWasRegistered: contract.MenuRegistered,
        MenuWasChanged: contract.MenuChanged,
        TicketWasOpened: contract.CookReceived,
        CookingWasStarted: contract.CookStarted,
        MealWasCooked: contract.Cooked,
        CookingWasCancelled: contract.CookCancelled,
    },
)

publish = publisher(integration_event)
