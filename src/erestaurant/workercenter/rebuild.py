"""Rebuild the my-page view from the event stream: wipe it, then replay every event.

The stream keeps every event (limits retention, no age limit), so the view is disposable:
whatever store it lives in, it can be thrown away and built again. The rebuild goes
through the same handlers and the same inbox as the live consumer, so the two can run at
once: the view is wiped *before* the replay is bounded, and any event the live consumer
handles meanwhile is either replayed too (the inbox keeps only the first) or newer than
the replay's end. While it runs, readers see a view that is filling up.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import delete

from erestaurant.contracts import CATALOG, Envelope, IntegrationEvent, UnknownEventError, decode
from erestaurant.platform.broker import Broker
from erestaurant.platform.consumer import EventConsumer
from erestaurant.platform.redis_store import ConcurrentChange, RedisStore
from erestaurant.platform.store import SqlStore, Store
from erestaurant.workercenter import adapters
from erestaurant.workercenter.bootstrap import open_store, unit_of_work
from erestaurant.workercenter.handlers import HANDLERS
from erestaurant.workercenter.settings import WorkercenterSettings

log = logging.getLogger(__name__)

FETCH_BATCH = 500
# A live consumer may touch the same order at the same moment (Redis); try again.
CONFLICT_TRIES = 5


@dataclass
class Rebuilt:
    wiped: int
    replayed: int
    already_handled: int
    unreadable: int
    seconds: float

    def __str__(self) -> str:
        rate = self.replayed / self.seconds if self.seconds > 0 else 0.0
        return (
            f"wiped {self.wiped} records; replayed {self.replayed} events"
            f" ({self.already_handled} already handled, {self.unreadable} unreadable and"
            f" skipped) in {self.seconds:.1f}s ({rate:.0f} events/s)"
        )


async def wipe(store: Store) -> int:
    """Empty the view and its inbox; how many records went."""
    if isinstance(store, RedisStore):
        return await store.wipe()
    assert isinstance(store, SqlStore)
    async with store.engine.begin() as conn:
        pages = await conn.execute(delete(adapters.mypages))
        handled = await conn.execute(delete(adapters.TABLES.inbox))
    return int(pages.rowcount) + int(handled.rowcount)


async def rebuild(
    settings: WorkercenterSettings, progress: Callable[[int, int], None] | None = None
) -> Rebuilt:
    store = open_store(settings)
    await store.verify()
    broker = Broker(settings.nats_url, settings.stream, "workercenter-rebuild")
    await asyncio.wait_for(broker.connect(), 30)
    started = time.monotonic()
    try:
        wiped = await wipe(store)
        replay = EventConsumer(broker, "workercenter-rebuild", HANDLERS, unit_of_work(store))
        counts = await _replay(broker, replay, progress)
    finally:
        await broker.close()
        await store.close()
    return Rebuilt(wiped, *counts, seconds=time.monotonic() - started)


async def _replay(
    broker: Broker, replay: EventConsumer, progress: Callable[[int, int], None] | None
) -> tuple[int, int, int]:
    js = broker.js
    # An ephemeral consumer: the server forgets it soon after this command ends.
    info = await js.add_consumer(
        broker.stream,
        ConsumerConfig(
            filter_subjects=replay.subjects,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.NONE,
            inactive_threshold=60.0,
            mem_storage=True,
        ),
    )
    total = info.num_pending or 0
    sub = await js.pull_subscribe_bind(consumer=info.name, stream=broker.stream)
    replayed = already = unreadable = seen = 0
    try:
        while seen < total:
            for message in await sub.fetch(FETCH_BATCH, timeout=5.0):
                seen += 1
                try:
                    envelope = Envelope.from_json(message.data)
                    event = decode(envelope, CATALOG)
                except (UnknownEventError, ValueError) as exc:
                    log.warning("skipping an unreadable event: %s", exc)
                    unreadable += 1
                    continue
                if await _apply(replay, envelope, event):
                    replayed += 1
                else:
                    already += 1
            if progress is not None:
                progress(seen, total)
    finally:
        await sub.unsubscribe()
    return replayed, already, unreadable


async def _apply(replay: EventConsumer, envelope: Envelope, event: IntegrationEvent) -> bool:
    for attempt in range(1, CONFLICT_TRIES + 1):
        try:
            return await replay.apply(envelope, event)
        except ConcurrentChange:
            if attempt == CONFLICT_TRIES:
                raise
            await asyncio.sleep(0.01 * attempt)
    raise AssertionError("unreachable")
