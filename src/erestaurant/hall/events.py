"""What hall tells the others: the one mapping from its domain events to the integration
events on the wire (``erestaurant.contracts.hall``)."""

from __future__ import annotations

from erestaurant.contracts import IntegrationEvent, OrderCancelled, OrderCompleted, OrderPlaced
from erestaurant.hall.domain import OrderWasCancelled, OrderWasCompleted, OrderWasPlaced
from erestaurant.platform.domain import DomainEvent
from erestaurant.platform.uow import publisher


def integration_event(event: DomainEvent) -> IntegrationEvent:
    match event:
        case OrderWasPlaced(order=order):
            return OrderPlaced(
                order_id=order.order_id,
                employee_card_no=order.employee_card_no,
                menu_id=order.menu_id,
                menu_name=order.menu_name,
                qty=order.qty,
                amount=order.amount,
                ordered_at=order.ordered_at,
            )
        case OrderWasCancelled(order=order, cancelled_at=cancelled_at):
            return OrderCancelled(
                order_id=order.order_id,
                employee_card_no=order.employee_card_no,
                cancelled_at=cancelled_at,
            )
        case OrderWasCompleted(order=order, completed_at=completed_at):
            return OrderCompleted(
                order_id=order.order_id,
                employee_card_no=order.employee_card_no,
                menu_name=order.menu_name,
                qty=order.qty,
                amount=order.amount,
                completed_at=completed_at,
            )
    raise TypeError(f"hall publishes nothing for {type(event).__name__}")


publish = publisher(integration_event)
