"""Wires notification together."""

from __future__ import annotations

from erestaurant.notification import adapters, api
from erestaurant.notification.handlers import HANDLERS
from erestaurant.notification.settings import NotificationSettings
from erestaurant.platform.runtime import Runtime
from erestaurant.platform.service import relational_service


def bootstrap(settings: NotificationSettings | None = None) -> Runtime:
    settings = settings or NotificationSettings.load()
    return relational_service(
        settings,
        adapters.TABLES,
        adapters.SqlNotificationUnitOfWork,
        handlers=HANDLERS,
        errors=api.ERRORS,
        routes=lambda runtime, uow: api.router(uow, runtime.access),
    )
