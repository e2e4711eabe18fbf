"""EventConsumer on real JetStream, with payment's handlers and tables, wired like bootstrap.py."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from erestaurant.contracts import Cooked, IntegrationEvent, OrderPlaced
from erestaurant.payment import adapters
from erestaurant.payment.adapters import SqlPaymentUnitOfWork
from erestaurant.payment.handlers import handlers
from erestaurant.payment.unit_of_work import PaymentUnitOfWork
from erestaurant.platform import deadletter
from erestaurant.platform.broker import Broker
from erestaurant.platform.consumer import EventConsumer, EventHandler
from tests.engines import Reader

from .helpers import (
    DEADLINE_SECONDS,
    STREAM,
    TIMEZONE,
    body_of,
    consumer_info,
    consuming,
    cooked,
    envelope,
    eventually,
    order_cancelled,
    order_placed,
    payment_relay,
    payment_uow_factory,
    publish,
    running,
    stream_messages,
    wait_drained,
)

pytestmark = pytest.mark.integration

DURABLE = "payment"
DEDUCTED_SUBJECT = "erestaurant.payment.PaymentDeducted"
# Each event in a transaction of its own, and the events of a fetch together.
TOGETHER = pytest.mark.parametrize("together", [1, 50], ids=["alone", "together"])


async def payment_events_on_stream(broker: Broker) -> list[tuple[str, dict[str, Any]]]:
    return [
        (m.subject, body_of(m)["payload"])
        for m in await stream_messages(broker)
        if m.subject is not None and m.subject.startswith("erestaurant.payment.")
    ]


@TOGETHER
async def test_duplicated_and_reordered_events_deduct_each_order_exactly_once(
    broker: Broker, payment_engine: AsyncEngine, payment_db: Reader, together: int
) -> None:
    # O-1: Cooked arrives before OrderPlaced. O-2: in order. O-3: cancelled, then a Cooked
    # that must not charge. Every envelope is published a second time under another
    # Nats-Msg-Id, as a re-publish after the duplicate window would be: JetStream stores
    # both copies and only the inbox can tell.
    events = [
        envelope(cooked("O-1")),
        envelope(order_placed("O-1", card="E1", amount=6500)),
        envelope(order_placed("O-2", card="E2", amount=8000)),
        envelope(cooked("O-2")),
        envelope(order_placed("O-3", card="E3", amount=7000)),
        envelope(order_cancelled("O-3", card="E3")),
        envelope(cooked("O-3")),
    ]
    last_seq = 0
    for env in events:
        last_seq = (await publish(broker, env)).seq
    for env in events:
        ack = await publish(broker, env, nats_msg_id=f"{env.event_id}-again")
        assert not ack.duplicate
        last_seq = ack.seq
    assert (await broker.js.stream_info(broker.stream)).state.messages == 14

    relay = payment_relay(payment_engine, broker)
    consumer = EventConsumer(
        broker,
        DURABLE,
        handlers(TIMEZONE),
        payment_uow_factory(payment_engine, relay),
        together=together,
    )
    async with running(relay.run), consuming(consumer):
        await wait_drained(broker, DURABLE, last_seq)

        async def all_published() -> bool:
            return await payment_db.count("outbox", "published_at IS NULL") == 0 and (
                len(await payment_events_on_stream(broker)) >= 3
            )

        await eventually(all_published, "payment's three events are published")

    payments = await payment_db.rows(
        "SELECT order_id, employee_card_no, amount, status FROM payments ORDER BY order_id",
    )
    assert payments == [
        ("O-1", "E1", 6500, "DEDUCTED"),
        ("O-2", "E2", 8000, "DEDUCTED"),
        ("O-3", "E3", 7000, "CANCELLED"),
    ]
    assert await payment_db.count("inbox") == len(events)
    assert await payment_db.count("outbox") == 3
    published = sorted(
        (subject.rsplit(".", 1)[1], payload["orderId"])
        for subject, payload in await payment_events_on_stream(broker)
    )
    assert published == [
        ("PaymentCancelled", "O-3"),
        ("PaymentDeducted", "O-1"),
        ("PaymentDeducted", "O-2"),
    ]


@TOGETHER
async def test_poison_is_set_aside_as_dead_letters_and_does_not_block_the_rest(
    broker: Broker, payment_engine: AsyncEngine, payment_db: Reader, together: int
) -> None:
    await broker.js.publish("erestaurant.hall.OrderPlaced", b"{not json")
    wrong_version = envelope(order_placed("O-7"))
    await publish(broker, replace(wrong_version, version=99))
    await publish(broker, envelope(order_placed("O-8", card="E8", amount=4500)))
    await publish(broker, envelope(cooked("O-8")))

    consumer = EventConsumer(
        broker,
        DURABLE,
        handlers(TIMEZONE),
        payment_uow_factory(payment_engine),
        max_deliveries=3,
        together=together,
    )
    async with consuming(consumer):
        # The good events go through while the poison is still being retried.
        await eventually(payments_are(payment_db, [("O-8", "DEDUCTED")]), "O-8 deducted")
        letters = await dead_letters(broker, 2)

    assert {letter.consumer for letter in letters} == {DURABLE}
    assert {letter.original_subject for letter in letters} == {"erestaurant.hall.OrderPlaced"}
    assert {letter.deliveries for letter in letters} == {3}
    reasons = {letter.reason for letter in letters}
    assert any(r.startswith("unreadable: not an event envelope") for r in reasons)
    assert any(r == "unreadable: OrderPlaced version 99 is not the known 1" for r in reasons)
    assert await payment_db.count("inbox") == 2


async def test_a_dead_letter_replayed_after_the_fix_is_handled_once(
    broker: Broker, payment_engine: AsyncEngine, payment_db: Reader
) -> None:
    real = handlers(TIMEZONE)
    fixed = False

    async def broken_until_fixed(event: OrderPlaced, uow: PaymentUnitOfWork) -> None:
        if not fixed:
            raise RuntimeError("payroll system offline")
        await real[OrderPlaced](event, uow)

    routes: dict[type[IntegrationEvent], EventHandler] = {**real, OrderPlaced: broken_until_fixed}
    consumer = EventConsumer(
        broker, DURABLE, routes, payment_uow_factory(payment_engine), max_deliveries=2
    )
    await publish(broker, envelope(order_placed("O-9", card="E9", amount=5000)))
    await publish(broker, envelope(cooked("O-9")))
    async with consuming(consumer):
        [letter] = await dead_letters(broker, 1)
        assert letter.reason == "RuntimeError: payroll system offline"
        assert letter.event.startswith("OrderPlaced ")
        fixed = True
        await deadletter.replay(broker.js, STREAM, letter)
        await deadletter.replay(broker.js, STREAM, letter)  # a second replay is dropped
        await eventually(payments_are(payment_db, [("O-9", "DEDUCTED")]), "O-9 deducted")
        assert await deadletter.list_all(broker.js, STREAM) == []
    assert await payment_db.count("payments") == 1


def payments_are(db: Reader, expected: list[tuple[str, str]]) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await db.rows("SELECT order_id, status FROM payments") == expected

    return check


async def dead_letters(broker: Broker, how_many: int) -> list[deadletter.DeadLetter]:
    """The dead letters, once there are ``how_many`` of them."""
    letters: list[deadletter.DeadLetter] = []

    async def enough() -> bool:
        nonlocal letters
        letters = await deadletter.list_all(broker.js, STREAM)
        return len(letters) >= how_many

    await eventually(enough, f"{how_many} dead letter(s)")
    return letters


@TOGETHER
async def test_a_failing_handler_is_redelivered_and_its_effect_applied_once(
    broker: Broker, payment_engine: AsyncEngine, payment_db: Reader, together: int
) -> None:
    real = handlers(TIMEZONE)
    attempts = 0

    async def flaky_cooked(event: Cooked, uow: PaymentUnitOfWork) -> None:
        nonlocal attempts
        attempts += 1
        await real[Cooked](event, uow)  # the whole effect, then a failure: all rolled back
        if attempts == 1:
            raise ConnectionError("a passing failure")

    subscribed: dict[type[IntegrationEvent], EventHandler] = {**real, Cooked: flaky_cooked}
    await publish(broker, envelope(order_placed("O-9", card="E9", amount=5000)))
    last_seq = (await publish(broker, envelope(cooked("O-9")))).seq

    consumer = EventConsumer(
        broker, DURABLE, subscribed, payment_uow_factory(payment_engine), together=together
    )
    async with consuming(consumer):
        await wait_drained(broker, DURABLE, last_seq)

    assert attempts == 2
    assert await payment_db.rows("SELECT order_id, status FROM payments") == [("O-9", "DEDUCTED")]
    assert await payment_db.count("outbox", "subject = :s", s=DEDUCTED_SUBJECT) == 1
    assert await payment_db.count("inbox") == 2


async def test_a_message_is_acked_only_after_its_transaction_commits(
    broker: Broker, payment_engine: AsyncEngine, payment_db: Reader
) -> None:
    real = handlers(TIMEZONE)
    entered, release = asyncio.Event(), asyncio.Event()
    ack_pending_at_commit: list[int] = []

    async def slow_order(event: OrderPlaced, uow: PaymentUnitOfWork) -> None:
        entered.set()
        await release.wait()
        await real[OrderPlaced](event, uow)

    class ObservedUnitOfWork(SqlPaymentUnitOfWork):
        async def commit(self) -> None:
            await super().commit()
            info = await consumer_info(broker, DURABLE)
            assert info is not None
            ack_pending_at_commit.append(info.num_ack_pending or 0)

    seq = (await publish(broker, envelope(order_placed("O-5", card="E5")))).seq
    consumer = EventConsumer(
        broker,
        DURABLE,
        {OrderPlaced: slow_order},
        lambda: ObservedUnitOfWork(payment_engine, adapters.TABLES),
    )
    async with consuming(consumer):
        await asyncio.wait_for(entered.wait(), DEADLINE_SECONDS)
        # Inside the handler's transaction: delivered, not acked, nothing committed.
        info = await consumer_info(broker, DURABLE)
        assert info is not None
        assert info.num_ack_pending == 1
        assert info.ack_floor is not None
        assert (info.ack_floor.stream_seq or 0) < seq
        assert await payment_db.count("inbox") == 0
        assert await payment_db.count("payments") == 0

        release.set()
        await wait_drained(broker, DURABLE, seq)

    assert ack_pending_at_commit == [1]  # committed while the message was still unacked
    assert await payment_db.count("inbox") == 1
    assert await payment_db.rows("SELECT order_id, status FROM payments") == [("O-5", "PENDING")]


async def test_the_events_of_a_fetch_share_one_transaction(
    broker: Broker, payment_engine: AsyncEngine, payment_db: Reader
) -> None:
    commits = 0

    class CountedUnitOfWork(SqlPaymentUnitOfWork):
        async def commit(self) -> None:
            nonlocal commits
            await super().commit()
            commits += 1

    last_seq = 0
    for n in range(10):
        await publish(broker, envelope(order_placed(f"O-{n}", card=f"E{n}", amount=5000)))
        last_seq = (await publish(broker, envelope(cooked(f"O-{n}")))).seq
    consumer = EventConsumer(
        broker,
        DURABLE,
        handlers(TIMEZONE),
        lambda: CountedUnitOfWork(payment_engine, adapters.TABLES),
        together=50,
    )
    async with consuming(consumer):
        await wait_drained(broker, DURABLE, last_seq)

    assert await payment_db.count("payments", "status = 'DEDUCTED'") == 10
    assert await payment_db.count("inbox") == 20
    # Twenty events already waiting come in one fetch or a few, not twenty transactions.
    assert 1 <= commits <= 3
