"""A durable JetStream pull consumer that hands each event to its handler exactly once.

The inbox row and the handler's effect share one transaction; the message is acked only
after that commit. A crash before the ack means a redelivery, which the inbox turns into a
no-op. A failing handler's message is redelivered later, with a growing delay. (How this,
the domains' own guards and the tables' keys together deduct each meal once:
payment/domain.py.)

The messages that arrived together are handled in one transaction (at most ``together``),
as most of what an event cost was its transaction (docs/performance.md). If any of them
fails, or was handled before, that transaction is rolled back and each is handled on its
own, so one bad event neither holds back nor drags down the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from erestaurant.contracts import CATALOG, Envelope, IntegrationEvent, UnknownEventError, decode
from erestaurant.platform import correlation, deadletter, failpoints
from erestaurant.platform.broker import SUBJECT_PREFIX, Broker
from erestaurant.platform.pull import ContinuousPull
from erestaurant.platform.uow import Transaction

log = logging.getLogger(__name__)

EventHandler = Callable[[Any, Any], Awaitable[None]]
Handlers = Mapping[type[IntegrationEvent], EventHandler]

# At most this many messages are on their way or waiting here, not yet taken (platform/pull.py).
PULL_WINDOW = 100


class _HandledBefore(Exception):
    """An event of a batch is in the inbox already: PostgreSQL has spoiled the transaction,
    so the batch is handled one by one, where that is a quiet no-op."""


class EventConsumer:
    def __init__(
        self,
        broker: Broker,
        durable: str,
        handlers: Handlers,
        uow_factory: Callable[[], Transaction],
        ack_wait_seconds: float = 10.0,
        max_deliveries: int = 5,
        together: int = 1,
    ) -> None:
        self._ack_wait = ack_wait_seconds
        self._together = together
        self._max_deliveries = max_deliveries
        self._broker = broker
        self._durable = durable
        self._handlers = {cls.event_type(): handler for cls, handler in handlers.items()}
        self.subjects = sorted(cls.subject(SUBJECT_PREFIX) for cls in handlers)
        self._uow_factory = uow_factory
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Finish the event in hand, ack it, and return from run()."""
        self._stopping.set()

    async def run(self) -> None:
        if not self.subjects:
            return
        js = self._broker.js
        await js.add_consumer(
            self._broker.stream,
            ConsumerConfig(
                durable_name=self._durable,
                filter_subjects=self.subjects,
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                ack_wait=self._ack_wait,
                max_ack_pending=1000,
            ),
        )
        pull = ContinuousPull(
            self._broker.nc, self._broker.stream, self._durable, window=PULL_WINDOW
        )
        await pull.start()
        log.info("consuming %s as %s", ", ".join(self.subjects), self._durable)
        try:
            while not self._stopping.is_set():
                try:
                    messages = await pull.take(self._together, wait_seconds=1.0)
                except Exception as exc:  # the connection is down: nats-py reconnects by itself
                    log.warning("pulling failed (%s); retrying", exc)
                    await asyncio.sleep(0.5)
                    continue
                if messages:
                    await self._handle_batch(messages)
        finally:
            for message in await pull.stop():
                with contextlib.suppress(Exception):  # unsent, it comes back after the ack wait
                    await message.nak()

    async def _handle_batch(self, messages: list[Msg]) -> None:
        """Handle messages in one transaction; if that fails, each on its own."""
        readable = [read for read in [await self._read(m) for m in messages] if read]
        if len(readable) > 1:
            try:
                await self._apply_together([(envelope, event) for _, envelope, event in readable])
            except Exception as exc:
                log.debug("a batch of %d failed (%r); handling each alone", len(readable), exc)
            else:
                failpoints.hit("consumer.after_commit")
                for message, _, _ in readable:
                    await message.ack()
                return
        for message, envelope, event in readable:
            await self._handle_one(message, envelope, event)

    async def handle(self, message: Msg) -> None:
        """Handle one message: ack after commit; on failure try again later, and after the
        last try set it aside as a dead letter so the events behind it go on."""
        read = await self._read(message)
        if read is not None:
            await self._handle_one(*read)

    async def _read(self, message: Msg) -> tuple[Msg, Envelope, IntegrationEvent] | None:
        try:
            envelope = Envelope.from_json(message.data)
            return message, envelope, decode(envelope, CATALOG)
        except UnknownEventError as exc:
            # A newer publisher may be ahead of this reader: tried again, then set aside.
            await self._failed(message, f"unreadable: {exc}")
            return None

    async def _handle_one(self, message: Msg, envelope: Envelope, event: IntegrationEvent) -> None:
        try:
            await self.apply(envelope, event)
        except Exception as exc:
            log.exception("handling %s %s failed", envelope.event_type, envelope.event_id)
            await self._failed(message, f"{exc.__class__.__name__}: {exc}")
            return
        failpoints.hit("consumer.after_commit")
        await message.ack()

    async def _failed(self, message: Msg, reason: str) -> None:
        attempt = message.metadata.num_delivered
        if attempt < self._max_deliveries:
            log.warning(
                "%s (try %d of %d); trying again later", reason, attempt, self._max_deliveries
            )
            await message.nak(delay=min(0.5 * 2 ** (attempt - 1), 30.0))
            return
        log.error("%s after %d tries; setting it aside as a dead letter", reason, attempt)
        await deadletter.set_aside(self._broker.js, self._durable, message, reason)
        await message.term()

    async def apply(self, envelope: Envelope, event: IntegrationEvent) -> bool:
        """Run the handler and record the event in the inbox, in one transaction; False if
        the inbox says it was handled before."""
        async with self._uow_factory() as uow:
            if not await uow.mark_handled(envelope):
                log.debug("%s %s already handled", envelope.event_type, envelope.event_id)
                return False
            await self._run_handler(uow, envelope, event)
            await uow.commit()
        return True

    async def _apply_together(self, events: list[tuple[Envelope, IntegrationEvent]]) -> None:
        async with self._uow_factory() as uow:
            for envelope, event in events:
                if not await uow.mark_handled(envelope):
                    raise _HandledBefore(envelope.event_id)
                await self._run_handler(uow, envelope, event)
            await uow.commit()

    async def _run_handler(
        self, uow: Transaction, envelope: Envelope, event: IntegrationEvent
    ) -> None:
        # The events the handler emits are caused by this one, in its conversation.
        correlation.correlation_id.set(envelope.correlation_id)
        correlation.causation_id.set(envelope.event_id)
        await self._handlers[envelope.event_type](event, uow)
