"""The one mapping from the kitchen's domain events to the integration events it publishes.

The wire contracts (``erestaurant.contracts``) are kept apart from the domain's events, so
that either can change alone; this is the only place that knows both.
"""

from __future__ import annotations

from typing import Any

from erestaurant.contracts import (
    CookCancelled,
    Cooked,
    CookReceived,
    CookStarted,
    IntegrationEvent,
    MenuChanged,
    MenuRegistered,
)
from erestaurant.kitchen.domain import (
    CookingWasCancelled,
    CookingWasStarted,
    MealWasCooked,
    MenuEvent,
    MenuWasChanged,
    MenuWasRegistered,
    TicketWasOpened,
)
from erestaurant.platform.domain import DomainEvent
from erestaurant.platform.uow import publisher


def integration_event(event: DomainEvent) -> IntegrationEvent:
    """What the others are told of ``event``; an event with no contract raises TypeError."""
    match event:
        case MenuWasRegistered():
            return MenuRegistered(**_menu_terms(event), registered_at=event.at)
        case MenuWasChanged():
            return MenuChanged(**_menu_terms(event), changed_at=event.at)
        case TicketWasOpened(cook_id, order_id, menu_id, menu_name, qty, at):
            return CookReceived(
                cook_id=cook_id,
                order_id=order_id,
                menu_id=menu_id,
                menu_name=menu_name,
                qty=qty,
                received_at=at,
            )
        case CookingWasStarted(cook_id, order_id, at):
            return CookStarted(cook_id=cook_id, order_id=order_id, started_at=at)
        case MealWasCooked(cook_id, order_id, at):
            return Cooked(cook_id=cook_id, order_id=order_id, cooked_at=at)
        case CookingWasCancelled(cook_id, order_id, at):
            return CookCancelled(cook_id=cook_id, order_id=order_id, cancelled_at=at)
    raise TypeError(f"the kitchen publishes no integration event for {type(event).__name__}")


def _menu_terms(event: MenuEvent) -> dict[str, Any]:
    """The menu as it was, which both menu events carry whole."""
    return {
        "menu_id": event.menu_id,
        "name": event.name,
        "price": event.price,
        "daily_portions": event.daily_portions,
        "on_menu": event.on_menu,
    }


publish = publisher(integration_event)
