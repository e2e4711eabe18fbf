"""Wires notification together."""

from __future__ import annotations

from erestaurant.notification import adapters, api
from erestaurant.notification.handlers import HANDLERS
from erestaurant.notification.settings import NotificationSettings
from erestaurant.notification.unit_of_work import NotificationUnitOfWork
from erestaurant.platform.runtime import Runtime


def bootstrap(settings: NotificationSettings | None = None) -> Runtime:
    settings = settings or NotificationSettings.load()
    runtime = Runtime(settings, adapters.metadata, adapters.outbox, adapters.inbox)
    uow = runtime.unit_of_work(NotificationUnitOfWork)
    runtime.subscribe(HANDLERS, uow)
    runtime.app.include_router(api.router(uow))
    return runtime
