"""In-memory stand-ins for each service's database, outbox and inbox, and for the kitchen.

They mirror ``platform.uow.UnitOfWork`` and the SQL repositories closely enough that a handler
cannot tell the difference:

- a repository works only inside ``async with uow``; rows are copied in and out, so changing
  an object changes nothing until it is saved, and ``save`` writes the same columns the SQL
  ``UPDATE`` writes;
- whatever was not committed when the ``async with`` block ends is rolled back, inbox rows
  included; emitted events reach ``published`` only on commit (rule 3);
- a duplicate key raises the domain's Duplicate, as the SQL repositories do, and a naive
  datetime is refused, as the UTCDateTime column type would.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from erestaurant.contracts import Envelope, IntegrationEvent
from erestaurant.platform.domain import Aggregate, Duplicate

EventHandler = Callable[[Any, Any], Awaitable[None]]


# -- the unit of work ----------------------------------------------------------------------


class FakeUnitOfWork:
    """One transaction over in-memory tables, with an outbox (``published``) and an inbox."""

    def __init__(self) -> None:
        self.published: list[IntegrationEvent] = []  # the outbox: committed events only
        self.commits = 0
        self.inbox: set[str] = set()
        self._pending: list[IntegrationEvent] = []
        self._baseline: dict[str, Any] | None = None

    # the transaction

    async def __aenter__(self) -> Self:
        if self._baseline is not None:
            raise RuntimeError("a unit of work is not re-entrant")
        self._pending = []
        self._baseline = self._state()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        baseline, self._baseline = self._baseline, None
        if baseline is not None:
            self._restore(baseline)  # whatever was not committed is lost
        self._pending = []

    def require_transaction(self) -> None:
        if self._baseline is None:
            raise RuntimeError("unit of work used outside 'async with'")

    def emit(self, event: IntegrationEvent) -> None:
        self.require_transaction()
        event.to_payload()  # it must serialise, as the real outbox does at once
        self._pending.append(event)

    async def mark_handled(self, envelope: Envelope) -> bool:
        self.require_transaction()
        if envelope.event_id in self.inbox:
            return False
        self.inbox.add(envelope.event_id)
        return True

    async def commit(self) -> None:
        self.require_transaction()
        self.published.extend(self._pending)
        self._pending = []
        self.commits += 1
        self._baseline = self._state()

    async def rollback(self) -> None:
        self.require_transaction()
        assert self._baseline is not None
        self._pending = []
        self._restore(self._baseline)

    # what tests look at

    def published_of(self, event_type: type[IntegrationEvent]) -> list[Any]:
        return [event for event in self.published if isinstance(event, event_type)]

    # state kept for rollback

    def _tables(self) -> dict[str, Table]:
        return {name: value for name, value in vars(self).items() if isinstance(value, Table)}

    def _state(self) -> dict[str, Any]:
        state: dict[str, Any] = {name: table.snapshot() for name, table in self._tables().items()}
        state["<inbox>"] = set(self.inbox)
        return state

    def _restore(self, state: dict[str, Any]) -> None:
        for name, table in self._tables().items():
            table.restore(state[name])
        self.inbox = set(state["<inbox>"])


# -- tables --------------------------------------------------------------------------------


def duplicate(table: str, key: object) -> Duplicate:
    return Duplicate(f"{table}: a row with this key exists (duplicate key {key!r})")


def _check_aware(row: object) -> None:
    for field in dataclasses.fields(row):  # type: ignore[arg-type]
        value = getattr(row, field.name)
        if isinstance(value, datetime) and value.tzinfo is None:
            raise ValueError(f"naive datetime in {field.name}: give an aware UTC instant")


def _stored(row: Any) -> Any:
    """A copy of the row; what an aggregate recorded is not stored with it (no such column)."""
    stored = copy.deepcopy(row)
    if isinstance(stored, Aggregate):
        stored.events = []
    return stored


class Table:
    """Rows by key, copied in and out as a database would."""

    name = "table"

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow
        self.rows: dict[Any, Any] = {}
        self._last_id = 0

    def snapshot(self) -> Any:
        return copy.deepcopy((self.rows, self._last_id))

    def restore(self, state: Any) -> None:
        self.rows, self._last_id = copy.deepcopy(state)

    def _next_id(self) -> int:
        self._last_id += 1
        return self._last_id

    def _insert(self, key: Any, row: Any) -> None:
        self._uow.require_transaction()
        if key in self.rows:
            raise duplicate(self.name, key)
        _check_aware(row)
        self.rows[key] = _stored(row)

    def _select(self, key: Any) -> Any:
        self._uow.require_transaction()
        return copy.deepcopy(self.rows.get(key))

    def _update(self, key: Any, row: Any, columns: tuple[str, ...]) -> None:
        """UPDATE ... SET columns WHERE key: a missing row is left missing, as in SQL."""
        self._uow.require_transaction()
        _check_aware(row)
        stored = self.rows.get(key)
        if stored is not None:
            for column in columns:
                setattr(stored, column, copy.deepcopy(getattr(row, column)))

    def _where(self, keep: Callable[[Any], bool]) -> list[Any]:
        self._uow.require_transaction()
        return [copy.deepcopy(row) for row in self.rows.values() if keep(row)]


# -- the consumer's part -------------------------------------------------------------------

ENVELOPE_TIME = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def envelope_of(event: IntegrationEvent) -> Envelope:
    """A fresh envelope: a new event id, as a duplicate publish would have."""
    return Envelope.wrap(
        event, occurred_at=ENVELOPE_TIME, correlation_id="unit-test", causation_id=None
    )


async def deliver(
    handler: EventHandler,
    event: IntegrationEvent,
    uow: FakeUnitOfWork,
    envelope: Envelope | None = None,
) -> bool:
    """What the consumer does with one message (EventConsumer.apply): inbox row, handler and
    commit in one transaction; False if the inbox had seen the envelope's id."""
    envelope = envelope or envelope_of(event)
    async with uow:
        if not await uow.mark_handled(envelope):
            return False
        await handler(event, uow)
        await uow.commit()
    return True
