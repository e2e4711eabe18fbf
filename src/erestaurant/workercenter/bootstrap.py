"""Wires workercenter together."""

from __future__ import annotations

from erestaurant.platform.runtime import Runtime
from erestaurant.workercenter import adapters, api
from erestaurant.workercenter.handlers import HANDLERS
from erestaurant.workercenter.settings import WorkercenterSettings
from erestaurant.workercenter.unit_of_work import WorkercenterUnitOfWork


def bootstrap(settings: WorkercenterSettings | None = None) -> Runtime:
    settings = settings or WorkercenterSettings.load()
    runtime = Runtime(settings, adapters.metadata, adapters.outbox, adapters.inbox)
    uow = runtime.unit_of_work(WorkercenterUnitOfWork)
    runtime.subscribe(HANDLERS, uow)
    runtime.app.include_router(api.router(uow))
    return runtime
