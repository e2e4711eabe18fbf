"""Notification's one mapping from its domain events to the integration events it publishes."""

from __future__ import annotations

from erestaurant.contracts import MealReadyMessageSent
from erestaurant.notification.domain import MealReadyMessageWasSent
from erestaurant.platform.uow import EventMap, publisher

integration_event = EventMap("notification", {MealReadyMessageWasSent: MealReadyMessageSent})

publish = publisher(integration_event)
