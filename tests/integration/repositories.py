"""The ground under the repository contract suites (``test_<service>_repositories.py``).

A service's repositories are declared once, as the Protocols of its unit of work; the
same cases then run against every implementation of that port: the in-memory fakes the
unit tests use, and the SQL adapters on SQLite, PostgreSQL and MariaDB. A case that the
fake passes and an engine fails (or the other way round) is a fake that drifted.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncEngine

from erestaurant.platform import db
from erestaurant.platform.tables import ServiceTables
from erestaurant.platform.uow import UnitOfWork

from ..engines import ENGINES, fresh_database
from .conftest import create_schema

# Where a contract case runs: the fake, then each engine.
STORES = ("fake", *ENGINES)

U = TypeVar("U", bound=UnitOfWork)


@contextlib.asynccontextmanager
async def units_of_work(
    store: str,
    tmp_path: Path,
    tables: ServiceTables,
    sql: Callable[[AsyncEngine, ServiceTables], object],
    fake: Callable[[], U],
) -> AsyncIterator[Callable[[], U]]:
    """A factory of units of work on ``store``: a fresh fake (its tables live in the one
    instance, so each call gives it back), or a fresh database migrated to the newest
    revision of the service whose ``tables`` these are."""
    if store == "fake":
        one = fake()
        yield lambda: one
        return
    async with fresh_database(store, tmp_path) as url:
        engine = db.create_engine(url)
        try:
            await create_schema(engine, tables.metadata)
            # The SQL unit of work implements the port the fake does: mypy checks that where
            # the service's bootstrap hands it to handlers and routes typed with the port.
            yield lambda: cast(U, sql(engine, tables))
        finally:
            await engine.dispose()
