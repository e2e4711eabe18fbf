"""Wires workercenter together: the view on the store the settings name."""

from __future__ import annotations

from collections.abc import Callable

from erestaurant.platform.redis_store import RedisStore
from erestaurant.platform.retention import Retention
from erestaurant.platform.runtime import Runtime
from erestaurant.platform.service import wire
from erestaurant.platform.store import SqlStore, Store
from erestaurant.workercenter import adapters, api
from erestaurant.workercenter.handlers import HANDLERS
from erestaurant.workercenter.redis_adapters import RedisWorkercenterUnitOfWork
from erestaurant.workercenter.settings import WorkercenterSettings
from erestaurant.workercenter.unit_of_work import WorkercenterUnitOfWork


def open_store(settings: WorkercenterSettings) -> Store:
    if settings.uses_redis:
        keep = Retention.of(settings).inbox_seconds
        return RedisStore(settings.database, settings.key_prefix, keep)
    return SqlStore(
        settings.service, settings.database, adapters.TABLES, settings.sqlite_synchronous
    )


def unit_of_work(store: Store) -> Callable[[], WorkercenterUnitOfWork]:
    if isinstance(store, RedisStore):
        return lambda: RedisWorkercenterUnitOfWork(store)
    assert isinstance(store, SqlStore)
    return lambda: adapters.SqlWorkercenterUnitOfWork(store.engine, store.tables)


def bootstrap(settings: WorkercenterSettings | None = None) -> Runtime:
    settings = settings or WorkercenterSettings.load()
    store = open_store(settings)
    runtime = Runtime(settings, store)
    return wire(
        runtime,
        unit_of_work(store),
        HANDLERS,
        api.ERRORS,
        lambda runtime, uow: api.router(uow, runtime.access),
    )
