"""Wires workercenter together: the view on the store the settings name."""

from __future__ import annotations

from collections.abc import Callable

from erestaurant.platform.redis_store import RedisStore
from erestaurant.platform.runtime import Runtime
from erestaurant.platform.store import SqlStore, Store
from erestaurant.workercenter import adapters, api
from erestaurant.workercenter.handlers import HANDLERS
from erestaurant.workercenter.redis_adapters import RedisWorkercenterUnitOfWork
from erestaurant.workercenter.settings import WorkercenterSettings
from erestaurant.workercenter.unit_of_work import (
    SqlWorkercenterUnitOfWork,
    WorkercenterUnitOfWork,
)


def open_store(settings: WorkercenterSettings) -> Store:
    if settings.uses_redis:
        return RedisStore(settings.database, settings.key_prefix)
    return SqlStore(settings.service, settings.database, adapters.metadata, None, adapters.inbox)


def unit_of_work(store: Store) -> Callable[[], WorkercenterUnitOfWork]:
    if isinstance(store, RedisStore):
        return lambda: RedisWorkercenterUnitOfWork(store)
    assert isinstance(store, SqlStore)
    return lambda: SqlWorkercenterUnitOfWork(store.engine, None, store.inbox)


def bootstrap(settings: WorkercenterSettings | None = None) -> Runtime:
    settings = settings or WorkercenterSettings.load()
    store = open_store(settings)
    runtime = Runtime(settings, store)
    uow = unit_of_work(store)
    runtime.subscribe(HANDLERS, uow)
    runtime.app.include_router(api.router(uow, runtime.access))
    return runtime
