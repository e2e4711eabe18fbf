"""What the integration tests share: polling, reading the stream and the SQLite files."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from nats.js.api import ConsumerInfo, PubAck, RawStreamMsg
from nats.js.errors import NotFoundError
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from erestaurant.contracts import (
    CATALOG,
    Cooked,
    Envelope,
    IntegrationEvent,
    OrderCancelled,
    OrderPlaced,
)
from erestaurant.payment import adapters as payment_adapters
from erestaurant.payment.adapters import SqlPaymentUnitOfWork
from erestaurant.platform.broker import Broker
from erestaurant.platform.consumer import EventConsumer
from erestaurant.platform.relay import OutboxRelay

STREAM = "ERESTAURANT"
DEADLINE_SECONDS = 10.0
TIMEZONE = "Asia/Seoul"


async def eventually(
    check: Callable[[], Awaitable[bool]],
    what: str,
    within: float = DEADLINE_SECONDS,
    interval: float = 0.05,
) -> None:
    """Poll ``check`` until it is true; fail with ``what`` after ``within`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"not within {within:.0f}s: {what}")
        await asyncio.sleep(interval)


async def reconnected(broker: Broker) -> None:
    """Until the client is connected again (nats-py reconnects by itself)."""

    async def up() -> bool:
        return broker.connected

    await eventually(up, "the client reconnects to the server")


# -- the stream -------------------------------------------------------------------------


async def stream_messages(broker: Broker) -> list[RawStreamMsg]:
    """Every message the stream holds, in order of sequence."""
    info = await broker.js.stream_info(STREAM)
    if info.state.messages == 0:
        return []
    return [
        await broker.js.get_msg(STREAM, seq)
        for seq in range(info.state.first_seq, info.state.last_seq + 1)
    ]


def msg_id(message: RawStreamMsg) -> str | None:
    return (message.headers or {}).get("Nats-Msg-Id")


def body_of(message: RawStreamMsg) -> Any:
    """The JSON a stored message carries (every message of these tests carries some)."""
    assert message.data is not None
    return orjson.loads(message.data)


def envelope(event: IntegrationEvent) -> Envelope:
    return Envelope.wrap(
        event,
        occurred_at=datetime.now(UTC),
        correlation_id=f"it-{uuid.uuid4().hex[:8]}",
        causation_id=None,
    )


async def publish(broker: Broker, env: Envelope, nats_msg_id: str | None = None) -> PubAck:
    """Publish an envelope on its subject as the relay would, with Nats-Msg-Id."""
    return await broker.js.publish(
        CATALOG[env.event_type].subject(),
        env.to_json(),
        headers={"Nats-Msg-Id": nats_msg_id or env.event_id},
    )


# -- payment, wired as its bootstrap wires it -------------------------------------------


def order_placed(order_id: str, card: str = "E1001", amount: int = 6500) -> OrderPlaced:
    return OrderPlaced(
        order_id=order_id,
        employee_card_no=card,
        menu_id=1,
        menu_name="Bibimbap",
        qty=1,
        amount=amount,
        ordered_at=datetime.now(UTC),
    )


def order_cancelled(order_id: str, card: str = "E1001") -> OrderCancelled:
    return OrderCancelled(order_id=order_id, employee_card_no=card, cancelled_at=datetime.now(UTC))


def cooked(order_id: str, cook_id: int = 1) -> Cooked:
    return Cooked(cook_id=cook_id, order_id=order_id, cooked_at=datetime.now(UTC))


def payment_uow_factory(
    engine: AsyncEngine, relay: OutboxRelay | None = None
) -> Callable[[], SqlPaymentUnitOfWork]:
    """Like Runtime.unit_of_work(SqlPaymentUnitOfWork): each commit wakes the relay."""
    wake = relay.wake if relay is not None else (lambda: None)
    return lambda: SqlPaymentUnitOfWork(engine, payment_adapters.TABLES, wake)


def payment_outbox() -> Table:
    """Payment's outbox table (payment publishes, so it has one)."""
    outbox = payment_adapters.TABLES.outbox
    assert outbox is not None
    return outbox


def payment_relay(engine: AsyncEngine, broker: Broker, poll_seconds: float = 0.1) -> OutboxRelay:
    return OutboxRelay(engine, payment_outbox(), broker, poll_seconds)


@contextlib.asynccontextmanager
async def running(work: Callable[[], Awaitable[None]]) -> AsyncIterator[asyncio.Task[None]]:
    """Run a background loop (a relay) for the block, then cancel it."""

    async def _run() -> None:
        await work()

    task = asyncio.create_task(_run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.asynccontextmanager
async def consuming(consumer: EventConsumer) -> AsyncIterator[asyncio.Task[None]]:
    """Run a consumer for the block, then stop() it and wait for run() to return."""
    task = asyncio.create_task(consumer.run())
    try:
        yield task
    finally:
        consumer.stop()
        await asyncio.wait_for(task, DEADLINE_SECONDS)


async def consumer_info(broker: Broker, durable: str) -> ConsumerInfo | None:
    try:
        info: ConsumerInfo = await broker.js.consumer_info(STREAM, durable)
    except NotFoundError:
        return None
    return info


async def wait_drained(broker: Broker, durable: str, through_seq: int) -> None:
    """Until the consumer has acked every message of its subjects up to ``through_seq``."""

    async def drained() -> bool:
        info = await consumer_info(broker, durable)
        return (
            info is not None
            and info.num_pending == 0
            and info.num_ack_pending == 0
            and info.ack_floor is not None
            and (info.ack_floor.stream_seq or 0) >= through_seq
        )

    await eventually(drained, f"consumer {durable} acks everything up to seq {through_seq}")
