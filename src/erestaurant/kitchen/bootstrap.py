"""Wires kitchen together; tests pass their own settings."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter

from erestaurant.kitchen import adapters, api
from erestaurant.kitchen.domain import Admission
from erestaurant.kitchen.handlers import expire_reservations, handlers
from erestaurant.kitchen.settings import KitchenSettings
from erestaurant.kitchen.unit_of_work import KitchenUnitOfWork
from erestaurant.platform.runtime import Runtime
from erestaurant.platform.service import relational_service


def bootstrap(settings: KitchenSettings | None = None) -> Runtime:
    settings = settings or KitchenSettings.load()
    admission = Admission(
        capacity=settings.max_open_orders,
        resume_below=int(settings.max_open_orders * settings.resume_fraction),
        retry_after=settings.busy_retry_after_seconds,
    )

    def routes(runtime: Runtime, uow: Callable[[], KitchenUnitOfWork]) -> APIRouter:
        return api.router(
            uow,
            settings.timezone,
            admission,
            runtime.access,
            settings.auth_kitchen_audience,
        )

    runtime = relational_service(
        settings,
        adapters.TABLES,
        adapters.SqlKitchenUnitOfWork,
        handlers=handlers(settings.timezone),
        errors=api.ERRORS,
        routes=routes,
        # Hall's reservations come with tokens for the kitchen's own audience.
        audiences=(settings.auth_kitchen_audience,),
    )
    uow = runtime.unit_of_work(adapters.SqlKitchenUnitOfWork)
    runtime.every(
        "reservation expiry",
        max(settings.reservation_ttl_seconds / 4, 0.5),
        lambda: expire_reservations(uow(), settings.reservation_ttl_seconds),
    )
    runtime.describe("admission", lambda: "PAUSED" if admission.paused else "OPEN")
    runtime.describe("openOrders", lambda: admission.open_orders)
    runtime.gauge(
        "erestaurant_kitchen_paused",
        "1 while surge protection refuses new orders, else 0",
        lambda: float(admission.paused),
    )
    runtime.gauge(
        "erestaurant_kitchen_open_orders",
        "Open orders (tickets to cook and held reservations) at the last reservation",
        lambda: admission.open_orders,
    )
    return runtime
