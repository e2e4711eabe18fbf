"""Wires kitchen together; tests pass their own settings."""

from __future__ import annotations

from erestaurant.kitchen import adapters, api
from erestaurant.kitchen.handlers import handlers
from erestaurant.kitchen.settings import KitchenSettings
from erestaurant.kitchen.unit_of_work import KitchenUnitOfWork
from erestaurant.platform.runtime import Runtime


def bootstrap(settings: KitchenSettings | None = None) -> Runtime:
    settings = settings or KitchenSettings.load()
    runtime = Runtime(settings, adapters.metadata, adapters.outbox, adapters.inbox)
    uow = runtime.unit_of_work(KitchenUnitOfWork)
    runtime.subscribe(handlers(settings.timezone), uow)
    runtime.app.include_router(api.router(uow, settings.timezone))
    return runtime
