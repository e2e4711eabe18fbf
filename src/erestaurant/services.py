"""The processes that make up e-restaurant: the one list that the runner, the migrations, the
fault harness, the bench and the tests read.

``NAMES`` is every process ``erestaurant up`` starts for the cafeteria, in the order it
starts them; ``WITH_DATABASE`` the services among them that keep state of their own (each
its own database, migrated, and read by the fault checker).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from erestaurant.gateway.settings import GatewaySettings
from erestaurant.hall.settings import HallSettings
from erestaurant.kitchen.settings import KitchenSettings
from erestaurant.notification.settings import NotificationSettings
from erestaurant.payment.settings import PaymentSettings
from erestaurant.platform.settings import ServerSettings, ServiceSettings
from erestaurant.web.settings import WebSettings
from erestaurant.workercenter.settings import WorkercenterSettings


@dataclass(frozen=True)
class Service:
    name: str
    settings: type[ServerSettings]

    @property
    def env_prefix(self) -> str:
        """What its variables start with: ``HALL_`` (derived from the name)."""
        return str(self.settings.model_config.get("env_prefix", ""))

    @property
    def default_port(self) -> int:
        port: int = self.settings.model_fields["port"].default
        return port

    @property
    def has_database(self) -> bool:
        return issubclass(self.settings, ServiceSettings)


# The kitchen first: hall's orders need it. The screens (web) after the services they
# show; the gateway last: it fronts the others.
REGISTRY: dict[str, Service] = {
    service.name: service
    for service in (
        Service("kitchen", KitchenSettings),
        Service("hall", HallSettings),
        Service("payment", PaymentSettings),
        Service("workercenter", WorkercenterSettings),
        Service("notification", NotificationSettings),
        Service("web", WebSettings),
        Service("gateway", GatewaySettings),
    )
}
NAMES: tuple[str, ...] = tuple(REGISTRY)
WITH_DATABASE: tuple[str, ...] = tuple(name for name, s in REGISTRY.items() if s.has_database)


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
