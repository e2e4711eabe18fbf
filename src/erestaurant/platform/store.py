"""Where a service keeps its state: a relational database, or Redis for a disposable view.

The runtime only needs to know three things of a store: is it usable as this version of
the service expects (``verify``, before serving), is it reachable now (``ping``, for
readiness), and how to let go of it (``close``). The relational store also carries the
outbox and inbox tables the platform writes to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from erestaurant.platform import db, migrations
from erestaurant.platform.settings import CannotStart, SqliteSynchronous
from erestaurant.platform.tables import ServiceTables


class StoreUnusable(CannotStart):
    """The store is not as this version needs it (not migrated): the service stops at start."""


class Store(Protocol):
    batches_events: bool
    """Whether several events may be handled in one of its transactions: a handler must see
    what the events before it in the same transaction wrote."""

    @property
    def kind(self) -> str:
        """The engine, as shown in readiness: sqlite, postgresql, mariadb, mysql or redis."""
        ...

    async def verify(self) -> None:
        """Raise StoreUnusable if this version of the service cannot work on the store."""
        ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


@dataclass
class SqlStore:
    """A service's relational database, its schema kept by the service's Alembic migrations."""

    service: str
    url: str
    tables: ServiceTables
    sqlite_synchronous: SqliteSynchronous = "NORMAL"
    batches_events = True

    def __post_init__(self) -> None:
        self.engine: AsyncEngine = db.create_engine(
            self.url, sqlite_synchronous=self.sqlite_synchronous
        )

    @property
    def kind(self) -> str:
        return make_url(self.url).get_backend_name()

    async def verify(self) -> None:
        try:
            problem = await migrations.problem(self.engine, self.service)
        except (OSError, SQLAlchemyError) as exc:
            # Perhaps only not up yet: exit 1, and the runner or Kubernetes tries again.
            where = self.engine.url.render_as_string(hide_password=True)
            raise SystemExit(f"{self.service}: cannot use the database {where}: {exc}") from None
        finally:
            # The check may run on another event loop than the service will: start afresh.
            await self.engine.dispose()
        if problem is not None:
            raise StoreUnusable(f"{self.service}: {problem}")

    async def ping(self) -> None:
        await db.ping(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()
