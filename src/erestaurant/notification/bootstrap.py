"""Wires notification together."""

from __future__ import annotations

from erestaurant.notification import adapters, api
from erestaurant.notification.handlers import HANDLERS
from erestaurant.notification.settings import NotificationSettings
from erestaurant.notification.unit_of_work import NotificationUnitOfWork
from erestaurant.platform.runtime import Runtime
from erestaurant.platform.store import SqlStore


def bootstrap(settings: NotificationSettings | None = None) -> Runtime:
    settings = settings or NotificationSettings.load()
    store = SqlStore(
        settings.service, settings.database, adapters.metadata, adapters.outbox, adapters.inbox
    )
    runtime = Runtime(settings, store)
    uow = runtime.unit_of_work(NotificationUnitOfWork)
    runtime.subscribe(HANDLERS, uow)
    runtime.app.include_router(api.router(uow, runtime.access))
    return runtime
