"""Notification's one mapping from its domain events to the integration events it publishes."""

from __future__ import annotations

from erestaurant.contracts import IntegrationEvent, MealReadyMessageSent
from erestaurant.notification.domain import MealReadyMessageWasSent
from erestaurant.platform.domain import DomainEvent
from erestaurant.platform.uow import publisher


def integration_event(event: DomainEvent) -> IntegrationEvent:
    match event:
        case MealReadyMessageWasSent():
            return MealReadyMessageSent(
                order_id=event.order_id,
                employee_card_no=event.employee_card_no,
                channel=event.channel,
                sent_at=event.sent_at,
            )
        case _:
            raise TypeError(f"notification publishes nothing for {type(event).__name__}")


publish = publisher(integration_event)
