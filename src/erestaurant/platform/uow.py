"""The unit of work: one transaction holding a change, its outbox rows and its inbox row.

Each service declares its unit of work as a port (a Protocol extending ``UnitOfWork``, in
``<service>/unit_of_work.py``) that names its repositories; handlers depend on that port
only. ``SqlUnitOfWork`` is the implementation on a relational database: a service's SQL
adapter subclasses it to open its repositories in ``_open_repositories``, and the test
fakes implement the same port in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Protocol, Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from erestaurant.contracts import Envelope, IntegrationEvent
from erestaurant.platform import clock, correlation, failpoints, inbox, outbox
from erestaurant.platform.domain import Aggregate, DomainEvent
from erestaurant.platform.tables import ServiceTables


class Transaction(Protocol):
    """What the event consumer needs of a unit of work, on any store: an inbox record and
    the handler's effect that commit together or not at all."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def mark_handled(self, envelope: Envelope) -> bool: ...

    async def commit(self) -> None: ...


class UnitOfWork(Transaction, Protocol):
    """What a handler needs of any unit of work: ``emit`` queues an integration event that
    is published if, and only if, the transaction commits."""

    def emit(self, event: IntegrationEvent) -> None: ...

    async def rollback(self) -> None: ...


class Publish(Protocol):
    """A service's ``events.publish``: see ``publisher``."""

    def __call__(self, uow: UnitOfWork, *aggregates: Aggregate) -> None: ...


class EventMap:
    """A service's one mapping from its domain events to the integration events others
    read: each domain event becomes the contract it is mapped to, filled from the event's
    fields of the same name (``DomainEvent.facts``), so a contract field the event lacks
    fails at once in the tests rather than on the wire."""

    def __init__(
        self, service: str, contracts: Mapping[type[DomainEvent], type[IntegrationEvent]]
    ) -> None:
        self._service = service
        self._contracts = contracts

    def __call__(self, event: DomainEvent) -> IntegrationEvent:
        contract = self._contracts.get(type(event))
        if contract is None:
            raise TypeError(
                f"{self._service} publishes no integration event for {type(event).__name__}"
            )
        return contract.model_validate(event.facts())


def publisher(integration_event: Callable[[DomainEvent], IntegrationEvent]) -> Publish:
    """The ``publish`` of a service whose one mapping from domain events to integration
    events is ``integration_event``: it emits, on ``uow``, the integration event of every
    event each aggregate recorded since last taken (each is taken once), to go out if and
    only if the unit of work commits."""

    def publish(uow: UnitOfWork, *aggregates: Aggregate) -> None:
        for aggregate in aggregates:
            for event in aggregate.take_events():
                uow.emit(integration_event(event))

    return publish


class SqlUnitOfWork:
    """A unit of work on a relational database (see Transaction for what any store offers)."""

    def __init__(
        self,
        engine: AsyncEngine,
        tables: ServiceTables,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._engine = engine
        self._outbox = tables.outbox
        self._inbox = tables.inbox
        self._on_commit = on_commit
        self._pending: list[tuple[str, Envelope]] = []
        self._connection: AsyncConnection | None = None

    @property
    def connection(self) -> AsyncConnection:
        if self._connection is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._connection

    async def __aenter__(self) -> Self:
        self._pending = []
        self._connection = await self._engine.connect()
        await self._connection.begin()
        self._open_repositories(self._connection)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if connection.in_transaction():
                await connection.rollback()
        finally:
            await connection.close()

    def _open_repositories(self, connection: AsyncConnection) -> None:
        """Attach the service's repositories to this transaction's connection."""

    def emit(self, event: IntegrationEvent) -> None:
        """Queue an event; it is written to the outbox when (and only if) this commits."""
        envelope = Envelope.wrap(
            event,
            occurred_at=clock.now(),
            correlation_id=correlation.current(),
            causation_id=correlation.causation_id.get(),
        )
        self._pending.append((event.subject(), envelope))

    async def mark_handled(self, envelope: Envelope) -> bool:
        """Record an incoming event in the inbox; False if it was handled before."""
        return await inbox.record(
            self.connection, self._inbox, envelope.event_id, envelope.event_type, clock.now()
        )

    async def commit(self) -> None:
        pending, self._pending = self._pending, []
        if pending and self._outbox is None:
            raise RuntimeError("this service has no outbox: it publishes no events")
        if self._outbox is not None:
            await outbox.append(self.connection, self._outbox, pending, clock.now())
        await self.connection.commit()
        failpoints.hit("uow.after_commit")
        if pending:
            self._on_commit()

    async def rollback(self) -> None:
        self._pending = []
        await self.connection.rollback()
