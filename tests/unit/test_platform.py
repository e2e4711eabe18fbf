"""Small platform pieces that need no server: API errors, correlation ids, the consumer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table

from erestaurant.contracts import MealReadyMessageSent
from erestaurant.notification import handlers as notification
from erestaurant.platform import correlation, statements
from erestaurant.platform.consumer import EventConsumer
from erestaurant.platform.errors import Conflict, Unavailable

from .fakes import envelope_of
from .fakes.notification import FakeNotificationUnitOfWork
from .samples import order_completed

# -- errors ----------------------------------------------------------------------------------


def test_an_error_kind_with_its_own_code_answers_with_that_code() -> None:
    class SoldOut(Conflict, code="SOLD_OUT"):
        pass

    error = SoldOut("only 0 portion(s) left today", menuId=3)
    assert issubclass(SoldOut, Conflict)
    assert error.status_code == 409
    assert error.body() == {
        "error": "SOLD_OUT",
        "message": "only 0 portion(s) left today",
        "menuId": 3,
    }


def test_one_refusal_answers_a_code_of_its_own_and_leaves_its_kind_as_it_was() -> None:
    error = Conflict("only 0 portion(s) left today", code="SOLD_OUT", menuId=3)
    assert (error.status_code, error.body()["error"], error.body()["menuId"]) == (
        409,
        "SOLD_OUT",
        3,
    )
    assert Conflict("refused").body()["error"] == "CONFLICT"


def test_unavailable_tells_the_kiosk_when_to_retry() -> None:
    error = Unavailable("orders are paused", retry_after=2)
    assert (error.status_code, error.headers) == (503, {"Retry-After": "2"})


# -- correlation ids -------------------------------------------------------------------------


def test_the_correlation_id_in_force_is_used() -> None:
    token = correlation.correlation_id.set("kiosk-7")
    try:
        assert correlation.current() == "kiosk-7"
    finally:
        correlation.correlation_id.reset(token)


def test_work_no_request_started_gets_a_fresh_correlation_id() -> None:
    token = correlation.correlation_id.set(None)
    try:
        first, second = correlation.current(), correlation.current()
    finally:
        correlation.correlation_id.reset(token)
    assert first != second
    assert len(first) == 32


# -- the consumer, with a fake message and a fake unit of work -------------------------------


@dataclass
class Sequence:
    stream: int = 42


@dataclass
class Metadata:
    num_delivered: int = 1
    sequence: Sequence = field(default_factory=Sequence)


@dataclass
class FakeJetStream:
    published: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)

    async def publish(self, subject: str, data: bytes, headers: dict[str, str]) -> None:
        self.published.append((subject, data, headers))


@dataclass
class FakeBroker:
    js: FakeJetStream = field(default_factory=FakeJetStream)


@dataclass
class FakeMessage:
    """What EventConsumer.handle uses of a JetStream message."""

    data: bytes
    subject: str = "erestaurant.hall.OrderCompleted"
    metadata: Metadata = field(default_factory=Metadata)
    outcome: list[tuple[str, Any]] = field(default_factory=list)

    async def ack(self) -> None:
        self.outcome.append(("ack", None))

    async def nak(self, delay: float | None = None) -> None:
        self.outcome.append(("nak", delay))

    async def term(self) -> None:
        self.outcome.append(("term", None))


@pytest.fixture
def broker() -> FakeBroker:
    return FakeBroker()


@pytest.fixture
def consumer(notification_uow: FakeNotificationUnitOfWork, broker: FakeBroker) -> EventConsumer:
    return EventConsumer(
        broker=broker,  # type: ignore[arg-type]  # only dead letters are published
        durable="notification",
        handlers=notification.HANDLERS,
        uow_factory=lambda: notification_uow,
        max_deliveries=5,
    )


async def test_a_message_is_handled_committed_and_acked(
    consumer: EventConsumer, notification_uow: FakeNotificationUnitOfWork
) -> None:
    message = FakeMessage(envelope_of(order_completed()).to_json())
    await consumer.handle(message)  # type: ignore[arg-type]
    assert message.outcome == [("ack", None)]
    assert len(notification_uow.published_of(MealReadyMessageSent)) == 1


async def test_a_redelivered_message_is_acked_without_handling_it_again(
    consumer: EventConsumer, notification_uow: FakeNotificationUnitOfWork
) -> None:
    data = envelope_of(order_completed()).to_json()
    first, again = FakeMessage(data), FakeMessage(data, metadata=Metadata(2))
    await consumer.handle(first)  # type: ignore[arg-type]
    await consumer.handle(again)  # type: ignore[arg-type]
    assert again.outcome == [("ack", None)]
    assert notification_uow.commits == 1
    assert len(notification_uow.published) == 1


async def test_the_consumer_carries_the_events_correlation_id(
    consumer: EventConsumer,
) -> None:
    envelope = envelope_of(order_completed())
    await consumer.handle(FakeMessage(envelope.to_json()))  # type: ignore[arg-type]
    assert correlation.current() == "unit-test"
    assert correlation.causation_id.get() == envelope.event_id


async def test_an_unreadable_message_is_tried_again_later(
    consumer: EventConsumer, notification_uow: FakeNotificationUnitOfWork, broker: FakeBroker
) -> None:
    message = FakeMessage(b"not an event")
    await consumer.handle(message)  # type: ignore[arg-type]
    assert message.outcome == [("nak", 0.5)]
    assert notification_uow.commits == 0
    assert broker.js.published == []


async def test_after_the_last_try_a_message_is_set_aside_as_a_dead_letter(
    consumer: EventConsumer, broker: FakeBroker
) -> None:
    message = FakeMessage(b"not an event", metadata=Metadata(num_delivered=5))
    await consumer.handle(message)  # type: ignore[arg-type]
    assert message.outcome == [("term", None)]
    [(subject, data, headers)] = broker.js.published
    assert subject == "erestaurant.deadletter.notification"
    assert data == b"not an event"
    assert headers["Erestaurant-Original-Subject"] == "erestaurant.hall.OrderCompleted"
    assert headers["Erestaurant-Original-Sequence"] == "42"
    assert headers["Erestaurant-Deliveries"] == "5"
    assert headers["Erestaurant-Reason"].startswith("unreadable")
    assert headers["Nats-Msg-Id"] == "deadletter-notification-42"


async def test_a_failing_handler_is_retried_later_and_leaves_nothing_behind(
    notification_uow: FakeNotificationUnitOfWork,
) -> None:
    async def breaks_after_writing(event: Any, uow: FakeNotificationUnitOfWork) -> None:
        await notification.send_meal_ready(event, uow)
        raise RuntimeError("disk full")

    failing = EventConsumer(
        broker=None,  # type: ignore[arg-type]
        durable="notification",
        handlers={type(order_completed()): breaks_after_writing},
        uow_factory=lambda: notification_uow,
    )
    message = FakeMessage(envelope_of(order_completed()).to_json(), metadata=Metadata(3))
    await failing.handle(message)  # type: ignore[arg-type]
    assert message.outcome == [("nak", 2.0)]  # a growing delay: 0.5 after the first try
    assert notification_uow.published == []
    assert notification_uow.messages.rows == {}
    assert notification_uow.inbox == set()  # so that the retry is handled


def test_a_hot_statement_is_built_once_per_table_and_shape() -> None:
    metadata = MetaData()
    rows = Table("rows", metadata, Column("id", Integer, primary_key=True), Column("n", Integer))
    assert statements.insert(rows) is statements.insert(rows)
    by_id = statements.select_by(rows, ("id",), lock=False)
    assert statements.select_by(rows, ("id",), lock=False) is by_id
    assert statements.select_by(rows, ("id",), lock=True) is not by_id
    # Values travel as parameters named apart from the columns, so one statement serves all.
    update = statements.update_by(rows, ("id",))
    assert str(update.compile()) == "UPDATE rows SET id=:id, n=:n WHERE rows.id = :key_id"
    assert statements.key_parameters({"id": 7}) == {"key_id": 7}
