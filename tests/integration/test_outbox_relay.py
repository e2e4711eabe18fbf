"""Outbox + relay against a real nats-server: published iff committed, once, never lost."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from erestaurant.contracts import EmployeeRegistered
from erestaurant.payment.domain import Employee
from erestaurant.payment.handlers import RegisterEmployee, register_employee
from erestaurant.platform.broker import Broker
from erestaurant.platform.relay import OutboxRelay
from tests.engines import Reader

from .conftest import NatsServer
from .helpers import (
    body_of,
    eventually,
    msg_id,
    payment_outbox,
    payment_relay,
    payment_uow_factory,
    running,
    stream_messages,
)

pytestmark = pytest.mark.integration


class Boom(Exception):
    pass


async def register(engine: AsyncEngine, cards: list[str], relay: OutboxRelay | None = None) -> None:
    uow = payment_uow_factory(engine, relay)
    for card in cards:
        await register_employee(RegisterEmployee(card, f"Employee {card}"), uow())


async def test_committed_events_are_published_once_with_their_event_id(
    broker: Broker, payment_engine: AsyncEngine, payment_db: Reader
) -> None:
    # A poll far too slow to matter: only the wake-up that each commit sends can publish.
    relay = payment_relay(payment_engine, broker, poll_seconds=600.0)
    async with running(relay.run):
        await register(payment_engine, ["E1", "E2", "E3"], relay)

        async def all_marked() -> bool:
            rows = await payment_db.outbox()
            return len(rows) == 3 and all(r[3] is not None for r in rows)

        await eventually(all_marked, "the relay marks the three outbox rows published")

    rows = await payment_db.outbox()
    messages = await stream_messages(broker)
    assert len(messages) == 3
    for row, message in zip(rows, messages, strict=True):
        event_id, subject, body, published_at = row
        body_json = body_of(message)
        assert msg_id(message) == event_id == body_json["eventId"]
        assert message.subject == subject == "erestaurant.payment.EmployeeRegistered"
        assert message.data == body.encode()
        assert body_json["eventType"] == "EmployeeRegistered"
        assert published_at is not None
    cards = [body_of(m)["payload"]["employeeCardNo"] for m in messages]
    assert cards == ["E1", "E2", "E3"]
    # A further pass finds nothing to publish and the stream is unchanged.
    assert await relay.publish_pending() == 0
    assert len(await stream_messages(broker)) == 3


async def test_events_of_a_rolled_back_unit_of_work_are_never_published(
    broker: Broker, payment_engine: AsyncEngine, payment_db: Reader
) -> None:
    relay = payment_relay(payment_engine, broker)
    uow = payment_uow_factory(payment_engine, relay)

    now = datetime.now(UTC)

    async def fails_after_emitting() -> None:
        async with uow() as u:
            await u.employees.add(Employee("E-ROLLED", "Rolled Back", now))
            u.emit(EmployeeRegistered(employee_card_no="E-ROLLED", name="x", registered_at=now))
            raise Boom

    with pytest.raises(Boom):
        await fails_after_emitting()
    # Leaving the block without commit() is a rollback too.
    async with uow() as u:
        await u.employees.add(Employee("E-FORGOT", "Never Committed", now))
        u.emit(EmployeeRegistered(employee_card_no="E-FORGOT", name="y", registered_at=now))
    # One that commits, after them: the relay is not stuck behind the others.
    await register(payment_engine, ["E-KEPT"], relay)

    assert await relay.publish_pending() == 1
    assert await payment_db.count("outbox") == 1
    assert await payment_db.count("employees") == 1
    messages = await stream_messages(broker)
    assert [body_of(m)["payload"]["employeeCardNo"] for m in messages] == ["E-KEPT"]
    assert await relay.publish_pending() == 0


async def test_rows_committed_without_a_relay_are_all_published_when_one_starts(
    broker: Broker, payment_engine: AsyncEngine, payment_db: Reader
) -> None:
    cards = [f"E{i:03d}" for i in range(25)]
    await register(payment_engine, cards)  # no relay: nobody is woken
    assert await payment_db.count("outbox", "published_at IS NULL") == 25
    assert await stream_messages(broker) == []

    relay = payment_relay(payment_engine, broker)
    assert await relay.count_pending() == 25  # the depth the operations screen shows
    async with running(relay.run):

        async def none_left() -> bool:
            return await payment_db.count("outbox", "published_at IS NULL") == 0

        await eventually(none_left, "the relay's poll publishes rows it was not woken for")

    messages = await stream_messages(broker)
    assert [msg_id(m) for m in messages] == [r[0] for r in await payment_db.outbox()]
    assert await relay.count_pending() == 0


async def test_rows_committed_while_the_broker_is_down_are_published_after_it_returns(
    nats_server: NatsServer,
    broker: Broker,
    payment_engine: AsyncEngine,
    payment_db: Reader,
) -> None:
    relay = payment_relay(payment_engine, broker)
    async with running(relay.run):
        await register(payment_engine, ["E-BEFORE"], relay)

        async def none_left() -> bool:
            return await payment_db.count("outbox", "published_at IS NULL") == 0

        await eventually(none_left, "the first row is published")

        nats_server.stop()

        async def disconnected() -> bool:
            return not broker.connected

        await eventually(disconnected, "the client notices the server is gone")
        await register(payment_engine, ["E-DOWN-1", "E-DOWN-2"], relay)  # commits go on
        assert await relay.publish_pending() == 0  # nothing to publish to: the rows wait
        assert await payment_db.count("outbox", "published_at IS NULL") == 2
        assert await payment_db.count("employees") == 3

        await nats_server.start()
        await eventually(none_left, "the running relay publishes the rows after the reconnect")

    messages = await stream_messages(broker)
    assert [msg_id(m) for m in messages] == [r[0] for r in await payment_db.outbox()]
    assert len(messages) == 3


async def test_a_relay_that_crashed_before_marking_republishes_and_jetstream_drops_copies(
    broker: Broker, payment_engine: AsyncEngine, payment_db: Reader
) -> None:
    await register(payment_engine, ["E1", "E2", "E3", "E4"])
    relay = payment_relay(payment_engine, broker)
    assert await relay.publish_pending() == 4
    first_pass = [msg_id(m) for m in await stream_messages(broker)]

    # The crash: published, but the "published" mark never reached the database.
    async with payment_engine.begin() as conn:
        await conn.execute(update(payment_outbox()).values(published_at=None))
    assert await payment_db.count("outbox", "published_at IS NULL") == 4

    # A restarted relay publishes all four again; JetStream keeps the first copies only.
    restarted = payment_relay(payment_engine, broker)
    assert await restarted.publish_pending() == 4
    assert await payment_db.count("outbox", "published_at IS NULL") == 0
    messages = await stream_messages(broker)
    assert [msg_id(m) for m in messages] == first_pass
    assert sorted(first_pass, key=str) == sorted(r[0] for r in await payment_db.outbox())
    info = await broker.js.stream_info(broker.stream)
    assert info.state.messages == 4
