"""The inbox on every engine: a handled event's effect is never applied twice."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from erestaurant.payment.handlers import handlers, record_order
from erestaurant.platform import db
from erestaurant.platform.broker import Broker
from erestaurant.platform.consumer import EventConsumer
from tests.engines import Reader

from .helpers import (
    STREAM,
    TIMEZONE,
    cooked,
    envelope,
    order_placed,
    payment_uow_factory,
)

pytestmark = pytest.mark.integration


class Boom(Exception):
    pass


async def test_mark_handled_is_false_the_second_time_and_the_effect_is_not_repeated(
    payment_engine: AsyncEngine, payment_db: Reader
) -> None:
    uow = payment_uow_factory(payment_engine)
    event = order_placed("O-1")
    env = envelope(event)

    async with uow() as u:
        assert await u.mark_handled(env) is True
        await record_order(event, u, TIMEZONE)
        await u.commit()

    async with uow() as u:
        assert await u.mark_handled(env) is False
        # What the consumer does then: nothing, and the transaction is rolled back.

    async with uow() as u:
        assert await u.mark_handled(env) is False

    assert await payment_db.count("inbox") == 1
    assert await payment_db.count("inbox", "event_id = :id", id=env.event_id) == 1
    assert await payment_db.count("payments", "order_id = 'O-1'") == 1


async def test_an_event_whose_handling_rolled_back_is_not_marked_handled(
    payment_engine: AsyncEngine, payment_db: Reader
) -> None:
    uow = payment_uow_factory(payment_engine)
    event = order_placed("O-2")
    env = envelope(event)

    async def fails_after_marking() -> None:
        async with uow() as u:
            assert await u.mark_handled(env) is True
            await record_order(event, u, TIMEZONE)
            raise Boom

    with pytest.raises(Boom):
        await fails_after_marking()
    assert await payment_db.count("inbox") == 0
    assert await payment_db.count("payments") == 0

    async with uow() as u:
        assert await u.mark_handled(env) is True  # the retry really runs
        await record_order(event, u, TIMEZONE)
        await u.commit()
    assert await payment_db.count("inbox") == 1
    assert await payment_db.count("payments") == 1


async def test_consumer_apply_twice_deducts_once(
    payment_engine: AsyncEngine, payment_db: Reader
) -> None:
    # apply() is what runs for each delivered message; no broker is needed to call it.
    consumer = EventConsumer(
        Broker("nats://127.0.0.1:1", STREAM, "unused"),
        "payment",
        handlers(TIMEZONE),
        payment_uow_factory(payment_engine),
    )
    placed, done = order_placed("O-3", amount=7000), cooked("O-3")
    placed_env, cooked_env = envelope(placed), envelope(done)

    for _ in range(3):
        await consumer.apply(placed_env, placed)
        await consumer.apply(cooked_env, done)

    assert await payment_db.count("inbox") == 2
    rows = await payment_db.count("payments", "order_id = 'O-3' AND status = 'DEDUCTED'")
    assert rows == 1
    assert await payment_db.count("payments") == 1
    assert await payment_db.count("outbox", "subject = 'erestaurant.payment.PaymentDeducted'") == 1


async def test_two_replicas_racing_on_one_event_apply_it_once(
    database_url: str, payment_engine: AsyncEngine, payment_db: Reader
) -> None:
    # Two processes of payment on the same database (two engines, two connections) get the
    # same event at the same moment: the inbox key, not a look-then-insert, decides.
    other = db.create_engine(database_url)
    try:
        replicas = [
            EventConsumer(
                Broker("nats://127.0.0.1:1", STREAM, "unused"),
                "payment",
                handlers(TIMEZONE),
                payment_uow_factory(engine),
            )
            for engine in (payment_engine, other)
        ]
        placed = order_placed("O-4", amount=5500)
        await replicas[0].apply(envelope(placed), placed)
        done = cooked("O-4")
        cooked_env = envelope(done)
        await asyncio.gather(*(r.apply(cooked_env, done) for r in replicas for _ in range(3)))
    finally:
        await other.dispose()

    assert await payment_db.count("inbox") == 2
    assert await payment_db.rows("SELECT order_id, amount, status FROM payments") == [
        ("O-4", 5500, "DEDUCTED")
    ]
    assert await payment_db.count("outbox", "subject = 'erestaurant.payment.PaymentDeducted'") == 1
