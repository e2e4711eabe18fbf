"""Wires payment together."""

from __future__ import annotations

from erestaurant.payment import adapters, api
from erestaurant.payment.handlers import handlers
from erestaurant.payment.settings import PaymentSettings
from erestaurant.platform.runtime import Runtime
from erestaurant.platform.service import relational_service


def bootstrap(settings: PaymentSettings | None = None) -> Runtime:
    settings = settings or PaymentSettings.load()
    return relational_service(
        settings,
        adapters.TABLES,
        adapters.SqlPaymentUnitOfWork,
        handlers=handlers(settings.timezone),
        errors=api.ERRORS,
        routes=lambda runtime, uow: api.router(uow, runtime.access),
    )
