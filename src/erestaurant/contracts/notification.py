"""Events published by notification."""

from __future__ import annotations

from pydantic import AwareDatetime

from erestaurant.contracts.base import IntegrationEvent


class MealReadyMessageSent(IntegrationEvent):
    """The employee was told that their meal is ready."""

    source = "notification"
    order_id: str
    employee_card_no: str
    channel: str
    sent_at: AwareDatetime
