"""Two replicas of a service on one database, handling two events of one order at once.

A handler reads its row and ``save()`` writes every column back. Without a row lock on that
read, two replicas both read the same old row and the one that commits last writes back the
other's change as it was before: payment forgets the card and amount, or the end of cooking,
and never deducts. So the reads made for a change take the row lock (SELECT ... FOR UPDATE),
and here the second replica's read is forced to fall inside the first's transaction.

The interleaving: the first replica reads the row (and, with the fix, holds its lock), then
waits until the second has started its unit of work and sent its own read; only if that
read has not come back a moment later (it waits on the lock) does the first save and
commit, and the second must then have read the row as the first committed it. A plain
SELECT instead comes back at once with the old row, and the update is lost. On SQLite the
second waits already at BEGIN IMMEDIATE and never gets to its read, so the first holds on
for a moment, then commits. Every wait has a deadline, so a wrong interleaving fails the
test instead of hanging it.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from erestaurant.contracts import IntegrationEvent
from erestaurant.payment import adapters as payment_adapters
from erestaurant.payment.handlers import handlers as payment_handlers
from erestaurant.platform import db
from erestaurant.platform.broker import Broker
from erestaurant.platform.consumer import EventConsumer, Handlers
from erestaurant.platform.uow import Transaction
from erestaurant.workercenter import adapters as workercenter_adapters
from erestaurant.workercenter.adapters import SqlWorkercenterUnitOfWork
from erestaurant.workercenter.handlers import HANDLERS as WORKERCENTER_HANDLERS
from tests.engines import Reader

from ..unit.samples import (
    CARD,
    LUNCH,
    ORDER,
    PRICE,
    cook_started,
    cooked,
    minutes,
    order_placed,
    payment_deducted,
)
from .conftest import create_schema
from .helpers import DEADLINE_SECONDS, STREAM, TIMEZONE, envelope, payment_uow_factory

pytestmark = pytest.mark.integration

# How long the first replica, holding the row, gives the second to get to its read. On
# PostgreSQL and MariaDB it takes milliseconds; on SQLite it never does (it waits at BEGIN
# IMMEDIATE), so this is also how long the first holds on there before it commits.
REACH_SECONDS = 0.5
# Once the second has sent its read, how long the first waits for it to return before it
# commits: a plain SELECT returns at once (and reads the old row); one that waits on the
# row lock does not.
SETTLE_SECONDS = 0.2
RACE_SECONDS = 30.0

# Which replica the read-for-change runs in: set only inside the first replica's task.
_FIRST = contextvars.ContextVar("first_replica", default=False)


class Race:
    """What the race showed: whether the second replica's read was held back while the
    first held the row, and the row as that read returned it."""

    def __init__(self) -> None:
        self.second_waited = False
        self.seen_by_second: Any = None


@pytest.fixture
async def engines(database_url: str) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    """Two engines on one database: two replicas, each with its own connections."""
    first, second = db.create_engine(database_url), db.create_engine(database_url)
    try:
        yield first, second
    finally:
        try:
            await first.dispose()
        finally:
            await second.dispose()


def replica(service: str, handlers: Handlers, uow: Callable[[], Transaction]) -> EventConsumer:
    # Only apply() is used: the inbox row and the handler's change in one transaction, as for
    # a message off the stream. The broker is never connected.
    return EventConsumer(Broker("nats://127.0.0.1:1", STREAM, "unused"), service, handlers, uow)


async def _wait(event: asyncio.Event, what: str) -> None:
    try:
        await asyncio.wait_for(event.wait(), DEADLINE_SECONDS)
    except TimeoutError:
        raise AssertionError(f"not within {DEADLINE_SECONDS:.0f}s: {what}") from None


async def _happens(event: asyncio.Event, within: float) -> bool:
    try:
        await asyncio.wait_for(event.wait(), within)
    except TimeoutError:
        return False
    return True


async def race(
    monkeypatch: pytest.MonkeyPatch,
    read_for_change: tuple[type, str],
    first: tuple[EventConsumer, IntegrationEvent],
    second: tuple[EventConsumer, IntegrationEvent],
) -> Race:
    """Apply ``first`` and ``second`` on their replicas, the second's read of the row inside
    the first's transaction. ``read_for_change`` names the repository method that reads it:
    it still runs as written, wrapped only to stop the first replica right after it."""
    repository, method = read_for_change
    real: Callable[..., Awaitable[Any]] = getattr(repository, method)
    first_read, second_started = asyncio.Event(), asyncio.Event()
    second_reading, second_read = asyncio.Event(), asyncio.Event()
    outcome = Race()

    async def paused_after_read(self: Any, order_id: str) -> Any:
        if _FIRST.get():
            found = await real(self, order_id)
            first_read.set()
            await _wait(second_started, "the second replica starts its unit of work")
            reached = await _happens(second_reading, REACH_SECONDS)
            # Not yet read after the first held the row this long (on SQLite: not even sent):
            # it waits for the first's commit.
            outcome.second_waited = not (reached and await _happens(second_read, SETTLE_SECONDS))
            return found
        second_reading.set()
        found = await real(self, order_id)
        second_read.set()
        outcome.seen_by_second = found
        return found

    monkeypatch.setattr(repository, method, paused_after_read)

    async def run_first() -> None:
        _FIRST.set(True)
        consumer, event = first
        assert await consumer.apply(envelope(event), event)

    async def run_second() -> None:
        await _wait(first_read, "the first replica reads the row")
        second_started.set()
        consumer, event = second
        assert await consumer.apply(envelope(event), event)

    # A TaskGroup cancels the other replica if one fails, so none is left behind mid-way.
    async with asyncio.timeout(RACE_SECONDS), asyncio.TaskGroup() as tasks:
        tasks.create_task(run_first())
        tasks.create_task(run_second())
    return outcome


def utc(value: datetime | str | None) -> datetime | None:
    """A UTCDateTime column as Reader gives it back: naive, and text on SQLite."""
    if value is None:  # a lost cooked_at: let the assertion show the whole row
        return None
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    return instant.replace(tzinfo=UTC)


# -- payment: OrderPlaced and Cooked of one order -----------------------------------------

# Each event, and the field it fills in: the second replica must read it filled in.
PAYMENT_EVENTS: dict[str, tuple[IntegrationEvent, str, object]] = {
    "OrderPlaced": (order_placed(), "amount", PRICE),
    "Cooked": (cooked(), "cooked_at", minutes(10)),
}


@pytest.mark.parametrize("first_event", list(PAYMENT_EVENTS))
async def test_two_payment_replicas_keep_both_halves_of_an_order_and_deduct_once(
    engines: tuple[AsyncEngine, AsyncEngine],
    database: Reader,
    monkeypatch: pytest.MonkeyPatch,
    first_event: str,
) -> None:
    first_engine, _ = engines
    await create_schema(first_engine, payment_adapters.TABLES.metadata)
    async with payment_uow_factory(first_engine)() as tx:  # an earlier event made the row
        await tx.payments.add(ORDER, LUNCH)
        await tx.commit()
    first, second = (
        replica("payment", payment_handlers(TIMEZONE), payment_uow_factory(engine))
        for engine in engines
    )
    [second_event] = set(PAYMENT_EVENTS) - {first_event}
    first_change, field, value = PAYMENT_EVENTS[first_event]

    outcome = await race(
        monkeypatch,
        (payment_adapters.PaymentRepository, "for_order"),
        (first, first_change),
        (second, PAYMENT_EVENTS[second_event][0]),
    )

    [(card, amount, status, cooked_at, pay_period, deducted_at)] = await database.rows(
        "SELECT employee_card_no, amount, status, cooked_at, pay_period, deducted_at"
        " FROM payments WHERE order_id = :order_id",
        order_id=ORDER,
    )
    assert (card, amount, status, utc(cooked_at), pay_period) == (
        CARD,
        PRICE,
        "DEDUCTED",
        minutes(10),
        "2026-11",
    )
    assert deducted_at is not None
    assert getattr(outcome.seen_by_second, field) == value, "the second read an old row"
    assert outcome.second_waited, "the second replica read the row while the first held it"
    # Deducted once: one PaymentDeducted to publish, and both events marked handled.
    assert [subject for _, subject, _, _ in await database.outbox()] == [
        "erestaurant.payment.PaymentDeducted"
    ]
    assert await database.count("inbox") == 2


# -- workercenter's view in SQL: CookStarted and PaymentDeducted of one order --------------

WORKERCENTER_EVENTS: dict[str, tuple[IntegrationEvent, str, object]] = {
    "CookStarted": (cook_started(), "cook_status", "COOKING"),
    "PaymentDeducted": (payment_deducted(), "payment_status", "DEDUCTED"),
}


@pytest.mark.parametrize("first_event", list(WORKERCENTER_EVENTS))
async def test_two_workercenter_replicas_keep_both_changes_to_a_my_page_row(
    engines: tuple[AsyncEngine, AsyncEngine],
    database: Reader,
    monkeypatch: pytest.MonkeyPatch,
    first_event: str,
) -> None:
    first_engine, _ = engines
    await create_schema(first_engine, workercenter_adapters.TABLES.metadata)
    first, second = (
        replica(
            "workercenter",
            WORKERCENTER_HANDLERS,
            # As workercenter's bootstrap builds it on a SQL store: no outbox.
            functools.partial(SqlWorkercenterUnitOfWork, engine, workercenter_adapters.TABLES),
        )
        for engine in engines
    )
    placed = order_placed()
    assert await first.apply(envelope(placed), placed)  # the row both replicas then change
    [second_event] = set(WORKERCENTER_EVENTS) - {first_event}
    first_change, field, value = WORKERCENTER_EVENTS[first_event]

    outcome = await race(
        monkeypatch,
        (workercenter_adapters.MyPageRepository, "get"),
        (first, first_change),
        (second, WORKERCENTER_EVENTS[second_event][0]),
    )

    assert await database.rows(
        "SELECT employee_card_no, amount, order_status, cook_status, payment_status"
        " FROM mypages WHERE order_id = :order_id",
        order_id=ORDER,
    ) == [(CARD, PRICE, "COOKING", "COOKING", "DEDUCTED")]
    assert getattr(outcome.seen_by_second, field) == value, "the second read an old row"
    assert outcome.second_waited, "the second replica read the row while the first held it"
    assert await database.count("inbox") == 3
