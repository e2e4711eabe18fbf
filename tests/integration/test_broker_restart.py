"""Events stored in JetStream (file storage) survive kill -9 and a restart of nats-server."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from erestaurant.payment.handlers import RegisterEmployee, handlers, register_employee
from erestaurant.platform.broker import Broker
from erestaurant.platform.consumer import EventConsumer
from tests.engines import Reader

from .conftest import NatsServer
from .helpers import (
    DEADLINE_SECONDS,
    STREAM,
    TIMEZONE,
    consuming,
    cooked,
    envelope,
    msg_id,
    order_placed,
    payment_outbox,
    payment_relay,
    payment_uow_factory,
    publish,
    reconnected,
    stream_messages,
    wait_drained,
)

pytestmark = pytest.mark.integration

ACK_WAIT_SECONDS = 2.0


def payment_consumer(broker: Broker, engine: AsyncEngine) -> EventConsumer:
    # Acks not yet flushed to disk when the server is killed are lost: those messages come
    # back after the ack wait (and the inbox makes them no-ops). A short wait keeps the
    # tests short; the default is the same code path.
    return EventConsumer(
        broker,
        "payment",
        handlers(TIMEZONE),
        payment_uow_factory(engine),
        ack_wait_seconds=ACK_WAIT_SECONDS,
    )


async def test_published_events_survive_kill_9_and_restart(
    nats_server: NatsServer,
    broker: Broker,
    payment_engine: AsyncEngine,
    payment_db: Reader,
) -> None:
    uow = payment_uow_factory(payment_engine)
    for card in ("E1", "E2", "E3", "E4", "E5"):
        await register_employee(RegisterEmployee(card, f"Employee {card}"), uow())
    relay = payment_relay(payment_engine, broker)
    assert await relay.publish_pending() == 5
    before = [(m.seq, m.subject, msg_id(m), m.data) for m in await stream_messages(broker)]
    assert len(before) == 5

    await nats_server.kill_and_restart()

    # A new client sees the stream and every event, as they were.
    fresh = Broker(nats_server.url, STREAM, "after-restart")
    await asyncio.wait_for(fresh.connect(), DEADLINE_SECONDS)
    try:
        after = [(m.seq, m.subject, msg_id(m), m.data) for m in await stream_messages(fresh)]
    finally:
        await fresh.close()
    assert after == before

    # The old client reconnects by itself; the duplicate window was restored from disk, so
    # a relay that lost its "published" marks in the crash still adds no second copy.
    await reconnected(broker)
    async with payment_engine.begin() as conn:
        await conn.execute(update(payment_outbox()).values(published_at=None))
    assert await relay.publish_pending() == 5
    await register_employee(RegisterEmployee("E6", "Employee E6"), uow())
    assert await relay.publish_pending() == 1

    messages = await stream_messages(broker)
    assert [msg_id(m) for m in messages] == [r[0] for r in await payment_db.outbox()]
    assert await payment_db.count("outbox", "published_at IS NULL") == 0


async def test_a_consumer_catches_up_after_kill_9_and_deducts_each_order_once(
    nats_server: NatsServer,
    broker: Broker,
    payment_engine: AsyncEngine,
    payment_db: Reader,
) -> None:
    consumer = payment_consumer(broker, payment_engine)
    async with consuming(consumer):
        await publish(broker, envelope(order_placed("O-1", card="E1", amount=6000)))
        seq = (await publish(broker, envelope(cooked("O-1")))).seq
        await wait_drained(broker, "payment", seq)

    # Stored while no consumer runs, then the broker dies hard.
    await publish(broker, envelope(order_placed("O-2", card="E2", amount=7000)))
    await publish(broker, envelope(cooked("O-2")))
    await nats_server.kill_and_restart()
    await reconnected(broker)

    consumer = payment_consumer(broker, payment_engine)
    async with consuming(consumer):
        # Published after the restart, while the consumer runs.
        await publish(broker, envelope(order_placed("O-3", card="E3", amount=8000)))
        seq = (await publish(broker, envelope(cooked("O-3")))).seq
        await wait_drained(broker, "payment", seq)

    payments = await payment_db.rows(
        "SELECT order_id, amount, status FROM payments ORDER BY order_id"
    )
    assert payments == [
        ("O-1", 6000, "DEDUCTED"),
        ("O-2", 7000, "DEDUCTED"),
        ("O-3", 8000, "DEDUCTED"),
    ]
    assert await payment_db.count("inbox") == 6
    assert await payment_db.count("outbox", "subject = 'erestaurant.payment.PaymentDeducted'") == 3


async def test_a_running_consumer_rides_out_a_kill_9(
    nats_server: NatsServer,
    broker: Broker,
    payment_engine: AsyncEngine,
    payment_db: Reader,
) -> None:
    consumer = payment_consumer(broker, payment_engine)
    async with consuming(consumer):
        await publish(broker, envelope(order_placed("O-A", card="E1", amount=6000)))
        seq = (await publish(broker, envelope(cooked("O-A")))).seq
        await wait_drained(broker, "payment", seq)

        await nats_server.kill_and_restart()
        await reconnected(broker)

        await publish(broker, envelope(order_placed("O-B", card="E1", amount=6500)))
        seq = (await publish(broker, envelope(cooked("O-B")))).seq
        await wait_drained(broker, "payment", seq)

    assert await payment_db.rows("SELECT order_id, status FROM payments ORDER BY order_id") == [
        ("O-A", "DEDUCTED"),
        ("O-B", "DEDUCTED"),
    ]
    assert await payment_db.count("outbox", "subject = 'erestaurant.payment.PaymentDeducted'") == 2
