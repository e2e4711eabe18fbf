"""Events published by kitchen, the owner of menus, portions and cooking tickets."""

from __future__ import annotations

from pydantic import AwareDatetime

from erestaurant.contracts.base import IntegrationEvent


class CookReceived(IntegrationEvent):
    """The kitchen opened a cooking ticket for an order."""

    source = "kitchen"
    cook_id: int
    order_id: str
    menu_id: int
    menu_name: str
    qty: int
    received_at: AwareDatetime


class CookStarted(IntegrationEvent):
    """Cooking started: from now on the order can no longer be cancelled."""

    source = "kitchen"
    cook_id: int
    order_id: str
    started_at: AwareDatetime


class Cooked(IntegrationEvent):
    """Cooking finished: the order is complete and its price is to be deducted."""

    source = "kitchen"
    cook_id: int
    order_id: str
    cooked_at: AwareDatetime


class CookCancelled(IntegrationEvent):
    """A ticket was cancelled before cooking and its portions went back to the day's stock."""

    source = "kitchen"
    cook_id: int | None
    order_id: str
    cancelled_at: AwareDatetime
