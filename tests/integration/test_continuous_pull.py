"""Pull requests kept open (platform/pull.py), on a real nats-server: every message, in
order, no more than the window asked for, through idle spells, a server restart and a
consumer that was deleted."""

from __future__ import annotations

import asyncio

import nats
import pytest
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig

from erestaurant.platform.broker import SUBJECT_PREFIX, Broker
from erestaurant.platform.pull import API_PREFIX, ContinuousPull

from .conftest import NatsServer
from .helpers import DEADLINE_SECONDS, STREAM, consumer_info, eventually, reconnected

pytestmark = pytest.mark.integration

SUBJECT = f"{SUBJECT_PREFIX}.test.pulled"
DURABLE = "puller"


async def durable(broker: Broker, ack_wait: float = 30.0) -> None:
    await broker.js.add_consumer(
        STREAM,
        ConsumerConfig(
            durable_name=DURABLE,
            filter_subject=SUBJECT,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=ack_wait,
            max_ack_pending=1000,
        ),
    )


async def publish(broker: Broker, count: int, first: int = 0) -> None:
    for n in range(first, first + count):
        await broker.js.publish(SUBJECT, str(n).encode())


async def take_all(pull: ContinuousPull, count: int, most: int = 7) -> list[Msg]:
    """Until ``count`` messages came, acking each, as the consumer does."""
    taken: list[Msg] = []
    deadline = asyncio.get_running_loop().time() + DEADLINE_SECONDS
    while len(taken) < count:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{len(taken)} of {count} messages came")
        for message in await pull.take(most, wait_seconds=0.2):
            await message.ack()
            taken.append(message)
    return taken


async def pending_acks(broker: Broker) -> int:
    info = await consumer_info(broker, DURABLE)
    assert info is not None
    return info.num_ack_pending or 0


async def delivered(broker: Broker, count: int) -> None:
    """Until the server has sent ``count`` messages that are not acked yet."""

    async def sent() -> bool:
        return await pending_acks(broker) == count

    await eventually(sent, f"{count} messages delivered, none acked")


async def test_every_message_comes_once_in_order(broker: Broker) -> None:
    await durable(broker)
    await publish(broker, 250)
    pull = ContinuousPull(broker.nc, STREAM, DURABLE, window=20)
    await pull.start()
    taken = await take_all(pull, 250)
    assert [int(m.data) for m in taken] == list(range(250))
    assert [m.metadata.num_delivered for m in taken] == [1] * 250
    await pull.stop()


async def test_no_more_than_the_window_is_sent_before_it_is_taken(broker: Broker) -> None:
    await durable(broker)
    await publish(broker, 100)
    pull = ContinuousPull(broker.nc, STREAM, DURABLE, window=20)
    await pull.start()
    await delivered(broker, 20)  # the window's
    await asyncio.sleep(0.5)  # and no more come while none is taken
    assert await pending_acks(broker) == 20
    assert len(await take_all(pull, 100, most=100)) == 100
    await pull.stop()


async def test_a_message_after_requests_expired_still_comes(broker: Broker) -> None:
    await durable(broker)
    pull = ContinuousPull(broker.nc, STREAM, DURABLE, window=20, expires_seconds=0.3)
    await pull.start()
    for _ in range(5):  # several requests expire, each replaced
        assert await pull.take(7, wait_seconds=0.3) == []
    await publish(broker, 1)
    assert [int(m.data) for m in await take_all(pull, 1)] == [0]
    await pull.stop()


async def test_requests_the_restarted_server_lost_are_replaced(
    nats_server: NatsServer, broker: Broker
) -> None:
    await durable(broker)
    pull = ContinuousPull(broker.nc, STREAM, DURABLE, window=20, expires_seconds=0.5)
    await pull.start()
    await publish(broker, 3)
    await take_all(pull, 3)
    await broker.nc.flush()  # the acks, before the kill

    await nats_server.kill_and_restart()
    await reconnected(broker)
    await publish(broker, 3, first=3)
    seen: list[int] = []
    while 5 not in seen:  # acks the kill kept from the disk bring some back first
        seen += [int(m.data) for m in await take_all(pull, 1)]
    assert seen[-3:] == [3, 4, 5]
    await pull.stop()


async def test_what_was_not_taken_is_given_back_on_stop(broker: Broker) -> None:
    await durable(broker, ack_wait=60.0)
    await publish(broker, 5)
    first = ContinuousPull(broker.nc, STREAM, DURABLE, window=20)
    await first.start()
    await delivered(broker, 5)
    left = await first.stop()
    assert [int(m.data) for m in left] == [0, 1, 2, 3, 4]
    for message in left:
        await message.nak()

    # Given back, they come again at once, not after the minute's ack wait.
    second = ContinuousPull(broker.nc, STREAM, DURABLE, window=20)
    await second.start()
    again = await take_all(second, 5)
    assert [int(m.data) for m in again] == [0, 1, 2, 3, 4]
    assert {m.metadata.num_delivered for m in again} == {2}
    await second.stop()


async def test_a_deleted_consumer_is_not_asked_again_and_again(broker: Broker) -> None:
    await durable(broker)
    pull = ContinuousPull(broker.nc, STREAM, DURABLE, window=20, expires_seconds=5.0)
    await pull.start()
    await broker.js.delete_consumer(STREAM, DURABLE)

    # Every request to a deleted consumer is answered 409 at once: counted from outside.
    watcher = await nats.connect(broker.url)
    asked: list[Msg] = []

    async def note(message: Msg) -> None:
        asked.append(message)

    await watcher.subscribe(f"{API_PREFIX}.CONSUMER.MSG.NEXT.{STREAM}.{DURABLE}", cb=note)
    await watcher.flush()
    try:
        for _ in range(10):
            assert await pull.take(7, wait_seconds=0.1) == []
        # One request a turn of take() at most (ten turns), not one per answer.
        assert len(asked) <= 10
    finally:
        await watcher.close()
        await pull.stop()
