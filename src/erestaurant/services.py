"""The processes that make up e-restaurant, in the order they are started."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from erestaurant.gateway.settings import GatewaySettings
from erestaurant.hall.settings import HallSettings
from erestaurant.kitchen.settings import KitchenSettings
from erestaurant.notification.settings import NotificationSettings
from erestaurant.payment.settings import PaymentSettings
from erestaurant.platform.settings import Settings
from erestaurant.web.settings import WebSettings
from erestaurant.workercenter.settings import WorkercenterSettings

# The kitchen first: hall's orders need it. The screens (web) after the services they
# show; the gateway last: it fronts the others.
SETTINGS: dict[str, type[Settings]] = {
    "kitchen": KitchenSettings,
    "hall": HallSettings,
    "payment": PaymentSettings,
    "workercenter": WorkercenterSettings,
    "notification": NotificationSettings,
    "web": WebSettings,
    "gateway": GatewaySettings,
}


def serve(name: str) -> None:
    """Run one service in this process until it is told to stop."""
    if name == "gateway":
        from erestaurant.gateway.app import serve as serve_gateway

        serve_gateway()
        return
    bootstrap: Callable[[], object] = importlib.import_module(
        f"erestaurant.{name}.bootstrap"
    ).bootstrap
    runtime = bootstrap()
    runtime.serve()  # type: ignore[attr-defined]
