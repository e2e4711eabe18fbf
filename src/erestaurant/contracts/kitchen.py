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
    """Cooking finished: the order is complete and its price is to be deducted (once, in the
    pay period of ``cooked_at``'s month: payment/domain.py)."""

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


class _WholeMenu(IntegrationEvent):
    """The menu as it stands, which both menu events carry whole (not an event itself: it
    is in no catalog), so a reader that keeps a copy may simply upsert on either."""

    source = "kitchen"
    menu_id: int
    name: str
    price: int
    daily_portions: int
    on_menu: bool


class MenuRegistered(_WholeMenu):
    """A dish was put on the kitchen's menu, with its price and daily portions.

    A contract of its own rather than a first MenuChanged: a new dish is another fact (a
    kiosk adds a tile, where a change redraws one), and each can grow a version of its own.
    """

    registered_at: AwareDatetime


class MenuChanged(_WholeMenu):
    """The kitchen changed a dish's price or daily portions, or took it off the menu
    (``on_menu`` false: kiosks no longer list it and new orders for it are refused) or put
    it back. It carries the menu as it now is, not what changed."""

    changed_at: AwareDatetime
