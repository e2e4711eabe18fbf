"""One relational service from its parts, built the same way for every service.

A service brings its settings, its tables (``ServiceTables``: its own, the outbox and the
inbox), the SQL unit of work that opens its repositories, the handlers of the events it
follows, the table that answers its domain's errors, and its routes. The platform makes the
store, the runtime (relay, consumer, health, metrics) and the units of work, and wires the
rest; the service's ``bootstrap`` adds only what is its own (hall's kitchen client, the
kitchen's surge protection).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter

from erestaurant.platform.consumer import Handlers
from erestaurant.platform.errors import ErrorTable
from erestaurant.platform.runtime import Runtime
from erestaurant.platform.settings import ServiceSettings
from erestaurant.platform.store import SqlStore
from erestaurant.platform.tables import ServiceTables
from erestaurant.platform.uow import SqlUnitOfWork, Transaction
from erestaurant.platform.web import answer_errors

U = TypeVar("U", bound=SqlUnitOfWork)
T = TypeVar("T", bound=Transaction)

# The routes of a service, given its runtime and its factory of units of work.
Routes = Callable[[Runtime, Callable[[], T]], APIRouter]


def relational_service(
    settings: ServiceSettings,
    tables: ServiceTables,
    unit_of_work: type[U],
    *,
    handlers: Handlers,
    errors: ErrorTable,
    routes: Routes[U],
    audiences: tuple[str, ...] = (),
) -> Runtime:
    """A service on its relational database; ``audiences`` are accepted besides the API's."""
    store = SqlStore(settings.service, settings.database, tables, settings.sqlite_synchronous)
    runtime = Runtime(settings, store, audiences)
    return wire(runtime, runtime.unit_of_work(unit_of_work), handlers, errors, routes)


def wire(
    runtime: Runtime,
    unit_of_work: Callable[[], T],
    handlers: Handlers,
    errors: ErrorTable,
    routes: Routes[T],
) -> Runtime:
    """Consume the handlers' events, answer the domain's errors, serve the routes."""
    runtime.subscribe(handlers, unit_of_work)
    answer_errors(runtime.app, errors)
    runtime.app.include_router(routes(runtime, unit_of_work))
    return runtime
