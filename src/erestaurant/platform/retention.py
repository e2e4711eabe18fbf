"""Pruning: published outbox rows and old inbox rows are deleted, so tables do not grow
without end.

A published outbox row has done its work (JetStream holds the event); it is kept a while
to be looked at. An inbox row is what makes a redelivered event harmless, so it is kept far
longer than any redelivery can come: JetStream redelivers within minutes (the ack wait times
the deliveries), its duplicate window is two minutes. An event delivered again after the
retention would be handled again, with only the domain's own guards (one deduction, one
ticket, one message per order) in its way, so the default is 30 days.

Rows go in slices of a few minutes of their time, each slice a transaction of its own, so a
first pruning of a table that grew for months never holds the writers' lock for long.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, Table, delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from erestaurant.platform.settings import ServiceSettings
from erestaurant.platform.tables import ServiceTables

log = logging.getLogger(__name__)

# The span of row time one transaction deletes.
SLICE = timedelta(minutes=5)


@dataclass(frozen=True)
class Retention:
    """How long each kind of row is kept; None keeps it for ever."""

    outbox: timedelta | None
    inbox: timedelta | None

    @classmethod
    def of(cls, settings: ServiceSettings) -> Retention:
        """As the service's settings say (0 days: for ever)."""
        return cls(_days(settings.outbox_retention_days), _days(settings.inbox_retention_days))

    @property
    def inbox_seconds(self) -> int | None:
        """The inbox's retention in whole seconds (for a key's expiry on Redis)."""
        return None if self.inbox is None else max(1, int(self.inbox.total_seconds()))


@dataclass(frozen=True)
class Pruned:
    outbox: int
    inbox: int


async def prune(
    engine: AsyncEngine, tables: ServiceTables, keep: Retention, now: datetime
) -> Pruned:
    """Delete the outbox rows published, and the inbox rows handled, longer ago than ``keep``
    says; how many of each. An unpublished row is never deleted."""
    outbox, pruned_outbox = tables.outbox, 0
    if outbox is not None and keep.outbox is not None:
        pruned_outbox = await _older(engine, outbox, outbox.c.published_at, now - keep.outbox)
    pruned_inbox = 0
    if keep.inbox is not None:
        inbox = tables.inbox
        pruned_inbox = await _older(engine, inbox, inbox.c.handled_at, now - keep.inbox)
    if pruned_outbox or pruned_inbox:
        log.info("pruned %d outbox rows and %d inbox rows", pruned_outbox, pruned_inbox)
    return Pruned(pruned_outbox, pruned_inbox)


def _days(days: float) -> timedelta | None:
    return timedelta(days=days) if days > 0 else None


async def _older(
    engine: AsyncEngine, table: Table, when: Column[datetime], cutoff: datetime
) -> int:
    """Delete the rows whose ``when`` is before ``cutoff`` (a NULL never is), oldest first."""
    deleted = 0
    while True:
        async with engine.begin() as conn:
            oldest = (await conn.execute(select(func.min(when)))).scalar()
            if oldest is None or oldest >= cutoff:
                return deleted
            bound = min(cutoff, oldest + SLICE)
            result = await conn.execute(delete(table).where(when < bound))
            deleted += result.rowcount
        await asyncio.sleep(0)  # the service's own work goes between two slices
