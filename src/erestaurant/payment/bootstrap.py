"""Wires payment together."""

from __future__ import annotations

from erestaurant.payment import adapters, api
from erestaurant.payment.handlers import handlers
from erestaurant.payment.settings import PaymentSettings
from erestaurant.payment.unit_of_work import PaymentUnitOfWork
from erestaurant.platform.runtime import Runtime
from erestaurant.platform.store import SqlStore


def bootstrap(settings: PaymentSettings | None = None) -> Runtime:
    settings = settings or PaymentSettings.load()
    store = SqlStore(
        settings.service, settings.database, adapters.metadata, adapters.outbox, adapters.inbox
    )
    runtime = Runtime(settings, store)
    uow = runtime.unit_of_work(PaymentUnitOfWork)
    runtime.subscribe(handlers(settings.timezone), uow)
    runtime.app.include_router(api.router(uow, runtime.access))
    return runtime
