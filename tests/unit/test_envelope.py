"""The envelope every event travels in, and reading it back."""

from __future__ import annotations

import orjson
import pytest

from erestaurant.contracts import (
    CATALOG,
    Envelope,
    IntegrationEvent,
    OrderPlaced,
    UnknownEventError,
    decode,
)

from . import samples
from .samples import LUNCH, order_placed

EVERY_EVENT: list[IntegrationEvent] = [
    samples.employee_registered(),
    samples.employee_deactivated(),
    samples.employee_pin_set(),
    samples.order_placed(),
    samples.order_cancelled(),
    samples.order_completed(),
    samples.cook_received(),
    samples.cook_started(),
    samples.cooked(),
    samples.cook_cancelled(cook_id=None),
    samples.menu_registered(),
    samples.menu_changed(),
    samples.payment_deducted(),
    samples.payment_cancelled(),
    samples.meal_ready_sent(),
]


def wrap(event: IntegrationEvent) -> Envelope:
    return Envelope.wrap(event, occurred_at=LUNCH, correlation_id="corr-1", causation_id="ev-0")


def raw(**changes: object) -> bytes:
    body = orjson.loads(wrap(order_placed()).to_json())
    body.update(changes)
    return orjson.dumps(body)


def test_the_sample_events_cover_the_whole_catalog() -> None:
    assert {type(event) for event in EVERY_EVENT} == set(CATALOG.values())


@pytest.mark.parametrize("event", EVERY_EVENT, ids=lambda e: e.event_type())
def test_every_event_survives_the_trip_through_json(event: IntegrationEvent) -> None:
    envelope = wrap(event)
    back = Envelope.from_json(envelope.to_json())
    assert back == envelope
    assert decode(back, CATALOG) == event


def test_the_wire_format_is_camel_case_with_utc_times() -> None:
    body = orjson.loads(wrap(order_placed()).to_json())
    assert set(body) == {
        "eventId",
        "eventType",
        "occurredAt",
        "correlationId",
        "causationId",
        "version",
        "payload",
    }
    assert (body["eventType"], body["version"], body["occurredAt"]) == (
        "OrderPlaced",
        1,
        "2026-11-30T03:00:00Z",
    )
    assert (body["correlationId"], body["causationId"]) == ("corr-1", "ev-0")
    assert body["payload"]["employeeCardNo"] == samples.CARD
    assert body["payload"]["orderedAt"] == "2026-11-30T03:00:00Z"


def test_each_wrap_gets_its_own_event_id() -> None:
    assert wrap(order_placed()).event_id != wrap(order_placed()).event_id


def test_an_event_is_published_under_its_services_subject() -> None:
    assert OrderPlaced.subject() == "erestaurant.hall.OrderPlaced"
    assert samples.cooked().subject() == "erestaurant.kitchen.Cooked"


def test_a_field_added_by_a_newer_publisher_is_ignored() -> None:
    envelope = wrap(order_placed())
    envelope.payload["table"] = 7
    assert decode(envelope, CATALOG) == order_placed()


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b"null",
        b"[]",
        b"{}",
        raw(occurredAt="yesterday"),
        raw(version="one"),
        raw(payload="nothing"),
        raw(payload=[1, 2]),
        orjson.dumps({"eventId": "e", "eventType": "OrderPlaced"}),
    ],
    ids=[
        "not-json",
        "null",
        "list",
        "empty",
        "bad-time",
        "bad-version",
        "payload-string",
        "payload-list",
        "missing-fields",
    ],
)
def test_an_unreadable_message_is_an_unknown_event(data: bytes) -> None:
    with pytest.raises(UnknownEventError, match="not an event envelope"):
        Envelope.from_json(data)


def test_an_envelope_time_without_a_zone_is_unreadable() -> None:
    with pytest.raises(UnknownEventError, match="no time zone"):
        Envelope.from_json(raw(occurredAt="2026-11-30T03:10:00"))


def test_an_unknown_event_type_cannot_be_decoded() -> None:
    envelope = Envelope.from_json(raw(eventType="OrderTeleported"))
    with pytest.raises(UnknownEventError, match="unknown event type 'OrderTeleported'"):
        decode(envelope, CATALOG)


def test_another_version_of_a_known_event_cannot_be_decoded() -> None:
    envelope = Envelope.from_json(raw(version=2))
    with pytest.raises(UnknownEventError, match="version 2 is not the known 1"):
        decode(envelope, CATALOG)


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {**order_placed().to_payload(), "qty": "many"},
        {**order_placed().to_payload(), "orderedAt": "lunchtime"},
        {**order_placed().to_payload(), "orderedAt": "2026-11-30T03:10:00"},
    ],
    ids=["empty", "bad-qty", "bad-time", "time-without-zone"],
)
def test_a_bad_payload_cannot_be_decoded(payload: dict[str, object]) -> None:
    envelope = Envelope.from_json(raw(payload=payload))
    with pytest.raises(UnknownEventError, match="bad OrderPlaced payload"):
        decode(envelope, CATALOG)
