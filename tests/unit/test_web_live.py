"""What the screens are told of each event, and how a stream replays what a browser missed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import orjson

from erestaurant.contracts.base import IntegrationEvent
from erestaurant.contracts.envelope import Envelope
from erestaurant.platform import deadletter
from erestaurant.web import live
from tests.unit import samples


def wire(event: IntegrationEvent) -> bytes:
    return Envelope.wrap(
        event, occurred_at=samples.LUNCH, correlation_id="c", causation_id=None
    ).to_json()


def told(hub: live.Hub) -> list[live.Notice]:
    heard = hub.since_start()
    return [n for h in heard for n in h.notices]


async def hear(hub: live.Hub, *events: IntegrationEvent) -> list[str]:
    ids = []
    for event in events:
        data = wire(event)
        await hub.hear("erestaurant.any.Event", data)
        ids.append(orjson.loads(data)["eventId"])
    return ids


async def test_an_order_tells_the_kiosks_of_portions_and_its_employee_of_a_step() -> None:
    hub = live.Hub(keep=10)
    [event_id] = await hear(hub, samples.order_placed())
    [heard] = hub.since_start()
    assert heard.event_id == event_id
    topics = {(n.topic, n.card) for n in heard.notices}
    assert ("menus", None) in topics
    assert ("order", samples.CARD) in topics
    step = next(n for n in heard.notices if n.topic == "order")
    assert step.data == {"orderId": samples.ORDER, "step": "placed"}


async def test_a_cook_starting_reaches_the_employee_whose_order_it_is() -> None:
    # The kitchen's events name the order only: its owner is known from OrderPlaced.
    hub = live.Hub(keep=10)
    await hear(hub, samples.order_placed(), samples.cook_received(), samples.cook_started())
    started = hub.since_start()[-1].notices
    assert {n.topic for n in started} == {"tickets", "order", "events"}
    step = next(n for n in started if n.topic == "order")
    assert (step.card, step.data["step"]) == (samples.CARD, "cooking")
    ticket = next(n for n in started if n.topic == "tickets")
    assert ticket.data["change"] == "CookStarted"


async def test_a_cook_of_an_order_never_heard_of_tells_no_employee() -> None:
    hub = live.Hub(keep=10)
    await hear(hub, samples.cook_started(order_id="before-this-process"))
    assert not [n for n in told(hub) if n.topic == "order"]


async def test_dead_letters_and_unreadable_messages_are_not_news() -> None:
    hub = live.Hub(keep=10)
    await hub.hear(f"{deadletter.SUBJECT}.payment", wire(samples.order_placed()))
    await hub.hear("erestaurant.hall.OrderPlaced", b"not json")
    assert hub.heard == 0


async def collect(stream: AsyncIterator[bytes], until: str) -> list[bytes]:
    chunks = []
    async for chunk in stream:
        chunks.append(chunk)
        if until.encode() in chunk:
            break
    return chunks


def wanted_tickets(notice: live.Notice) -> bool:
    return notice.topic == "tickets"


async def test_a_reconnect_gets_what_it_missed_after_its_last_event_id() -> None:
    hub = live.Hub(keep=10)
    first, second, third = await hear(
        hub, samples.cook_received(), samples.cook_started(), samples.cooked()
    )
    stream = live.stream(
        hub, wanted_tickets, first, until=time.time() + 60, heartbeat=15, stopping=lambda: False
    )
    chunks = await collect(stream, third)
    text = b"".join(chunks).decode()
    assert first not in text
    assert f"id: {second}" in text
    assert f"id: {third}" in text
    assert "resync" not in text


async def test_a_reconnect_from_an_event_no_longer_kept_is_told_to_resync() -> None:
    hub = live.Hub(keep=2)
    oldest, *_ = await hear(hub, samples.cook_received(), samples.cook_started(), samples.cooked())
    stream = live.stream(
        hub, wanted_tickets, oldest, until=time.time() + 60, heartbeat=15, stopping=lambda: False
    )
    chunks = await collect(stream, "resync")
    assert b"event: resync" in chunks[-1]


async def test_a_stream_hears_new_events_and_ends_cleanly_at_shutdown() -> None:
    hub = live.Hub(keep=10)
    stopping = False
    stream = live.stream(
        hub, wanted_tickets, None, until=time.time() + 60, heartbeat=15, stopping=lambda: stopping
    )
    assert await anext(stream) == b"retry: 2000\n\n"
    waiting = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0)
    [event_id] = await hear(hub, samples.cook_received())
    assert f"id: {event_id}\nevent: tickets".encode() in await waiting
    stopping = True
    rest = [chunk async for chunk in stream]
    assert rest
    assert b"event: bye" in rest[-1]
    assert hub.listening_now == 0


async def test_a_stream_ends_when_its_token_expires() -> None:
    hub = live.Hub(keep=10)
    stream = live.stream(
        hub, wanted_tickets, None, until=time.time() - 1, heartbeat=15, stopping=lambda: False
    )
    chunks = [chunk async for chunk in stream]
    assert b"event: bye" in chunks[-1]


async def test_a_page_just_opened_is_told_of_its_recent_events_first() -> None:
    hub = live.Hub(keep=10)
    [placed] = await hear(hub, samples.order_placed())

    def mine(notice: live.Notice) -> bool:
        return notice.topic == "order" and notice.card == samples.CARD

    stream = live.stream(
        hub,
        mine,
        None,
        until=time.time() + 60,
        heartbeat=15,
        stopping=lambda: False,
        recent_seconds=60,
    )
    chunks = await collect(stream, placed)
    assert b'"step":"placed"' in chunks[-1]
    assert not hub.recent(0)
