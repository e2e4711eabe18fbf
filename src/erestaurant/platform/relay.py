"""The outbox relay: publishes committed outbox rows to JetStream, then marks them published.

Each row goes out with its event id as ``Nats-Msg-Id``, so JetStream drops a second copy
sent within its duplicate window (a crash between publish and marking); consumers' inboxes
catch any later one. A commit wakes the relay at once; a slow poll finds rows left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, Table, Update, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from erestaurant.platform import clock, failpoints, statements
from erestaurant.platform.broker import Broker

log = logging.getLogger(__name__)

PUBLISH_TIMEOUT_SECONDS = 10.0


@dataclass
class OutboxRelay:
    engine: AsyncEngine
    table: Table
    broker: Broker
    poll_seconds: float = 1.0
    batch_size: int = 500
    _wakeup: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)

    @property
    def _pending(self) -> Select[Any]:
        t = self.table
        return statements.built(
            t,
            ("relay: pending",),
            lambda: (
                select(t.c.id, t.c.event_id, t.c.subject, t.c.body)
                .where(t.c.published_at.is_(None))
                .order_by(t.c.id)
                .limit(bindparam("batch"))
            ),
        )

    @property
    def _published(self) -> Update:
        t = self.table
        return statements.built(
            t,
            ("relay: published",),
            lambda: (
                update(t)
                .where(t.c.id.in_(bindparam("ids", expanding=True)))
                .values(published_at=bindparam("now"))
            ),
        )

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        while True:
            self._wakeup.clear()
            try:
                sent = await self.publish_pending()
            except Exception:
                log.exception("outbox relay pass failed; will retry")
                sent = 0
            if sent < self.batch_size:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), self.poll_seconds)

    async def count_pending(self) -> int:
        """How many committed events wait to be published (the outbox's depth)."""
        t = self.table
        async with self.engine.connect() as conn:
            query = select(func.count()).select_from(t).where(t.c.published_at.is_(None))
            return int((await conn.execute(query)).scalar_one())

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished rows; the number marked published."""
        if not self.broker.connected:
            return 0
        async with self.engine.connect() as conn:
            rows = (await conn.execute(self._pending, {"batch": self.batch_size})).all()
        if not rows:
            return 0
        # The connection is given back while we wait on the broker: requests go on.
        js = self.broker.js
        acks = [
            await js.publish_async(
                row.subject, row.body.encode(), headers={"Nats-Msg-Id": row.event_id}
            )
            for row in rows
        ]
        try:
            results = await asyncio.wait_for(
                asyncio.gather(*acks, return_exceptions=True), PUBLISH_TIMEOUT_SECONDS
            )
        except TimeoutError:
            # The broker went away mid-batch: nothing is marked, so all of it goes again.
            log.warning("JetStream did not acknowledge %d events in time; will retry", len(rows))
            return 0
        done = [
            row.id
            for row, result in zip(rows, results, strict=True)
            if not isinstance(result, BaseException)
        ]
        failpoints.hit("relay.after_publish")
        failed = len(rows) - len(done)
        if failed:
            log.warning("%d of %d outbox events not acknowledged; will retry", failed, len(rows))
        if done:
            async with self.engine.begin() as conn:
                await conn.execute(self._published, {"ids": done, "now": clock.now()})
        return len(done)
