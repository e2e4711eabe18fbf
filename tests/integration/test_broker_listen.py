"""A plain subscription hears every event the stream takes, as the screens need: each
listener (each web replica) hears all of them, and goes on hearing after NATS restarts."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from erestaurant.platform.broker import Broker
from tests.integration.conftest import NatsServer
from tests.integration.helpers import STREAM, eventually, reconnected

pytestmark = pytest.mark.integration


async def heard_by(broker: Broker) -> list[tuple[str, bytes]]:
    heard: list[tuple[str, bytes]] = []

    async def listener(subject: str, data: bytes) -> None:
        heard.append((subject, data))

    await broker.listen("erestaurant.>", listener)
    return heard


async def until_both(first: Sequence[object], second: Sequence[object], count: int) -> None:
    for _ in range(400):  # up to 20 s, on a loaded machine
        if len(first) >= count and len(second) >= count:
            return
        await asyncio.sleep(0.05)


async def test_every_listener_hears_every_published_event(
    broker: Broker, nats_server: NatsServer
) -> None:
    other = Broker(nats_server.url, STREAM, "second-web-replica")
    await other.connect()
    try:
        first, second = await heard_by(broker), await heard_by(other)
        # A subscription may take effect a moment after the server answered the flush (seen
        # under load: one run in twenty missed the first event): probe until both hear.
        for _ in range(100):
            await broker.js.publish("erestaurant.probe.Probe", b"probe")
            await until_both(first, second, 1)
            if first and second:
                break
        first.clear()
        second.clear()
        for n in range(3):
            await broker.js.publish("erestaurant.hall.OrderPlaced", f"event {n}".encode())
        await until_both(first, second, 3)
        assert len(first) == len(second) == 3, (first, second)
        assert first == second
        assert [data for _, data in first] == [b"event 0", b"event 1", b"event 2"]
    finally:
        await other.close()


async def test_a_listener_hears_again_after_nats_restarts(
    broker: Broker, nats_server: NatsServer
) -> None:
    heard = await heard_by(broker)
    nats_server.stop()
    await nats_server.start()
    await reconnected(broker)
    await broker.js.publish("erestaurant.kitchen.CookReceived", b"after the restart")

    async def heard_it() -> bool:
        return bool(heard)

    await eventually(heard_it, "the listener hears the event published after the restart")
    assert heard == [("erestaurant.kitchen.CookReceived", b"after the restart")]
