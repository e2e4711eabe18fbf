"""Pruning on every engine: published outbox rows and handled inbox rows past their retention
go, whatever their number; unpublished rows and younger ones stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from erestaurant.payment import adapters as payment_adapters
from erestaurant.platform import retention
from erestaurant.platform.retention import Retention

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
TABLES = payment_adapters.TABLES
OUTBOX = TABLES.metadata.tables["outbox"]


async def _fill(engine: AsyncEngine, ages: dict[str, timedelta | None]) -> None:
    """An outbox row and an inbox row per name, published and handled ``age`` before NOW (an
    outbox row of age None was never published)."""
    async with engine.begin() as conn:
        for name, age in ages.items():
            at = NOW - (age or timedelta(days=400))
            published = None if age is None else at
            await conn.execute(
                insert(OUTBOX).values(
                    event_id=name, subject="s", body="{}", created_at=at, published_at=published
                )
            )
            await conn.execute(
                insert(TABLES.inbox).values(event_id=name, event_type="T", handled_at=at)
            )


async def _left(engine: AsyncEngine) -> tuple[set[str], set[str]]:
    async with engine.connect() as conn:
        outbox = set((await conn.execute(select(OUTBOX.c.event_id))).scalars())
        inbox = set((await conn.execute(select(TABLES.inbox.c.event_id))).scalars())
    return outbox, inbox


async def test_rows_past_their_retention_go_and_the_others_stay(
    payment_engine: AsyncEngine,
) -> None:
    # Old rows spread over more than a day: many slices of the pruning, each its own commit.
    old = {f"old-{n}": timedelta(days=31, minutes=17 * n) for n in range(100)}
    await _fill(
        payment_engine,
        {
            **old,
            "week-and-a-day": timedelta(days=8),
            "yesterday": timedelta(days=1),
            "never-published": None,  # 400 days old, handled as long ago
        },
    )

    pruned = await retention.prune(
        payment_engine, TABLES, Retention(timedelta(days=7), timedelta(days=30)), NOW
    )

    outbox, inbox = await _left(payment_engine)
    assert outbox == {"yesterday", "never-published"}
    assert inbox == {"week-and-a-day", "yesterday"}
    assert pruned == retention.Pruned(outbox=101, inbox=101)
    # A second turn finds nothing more.
    again = await retention.prune(
        payment_engine, TABLES, Retention(timedelta(days=7), timedelta(days=30)), NOW
    )
    assert again == retention.Pruned(0, 0)


async def test_a_retention_of_none_keeps_rows_for_ever(payment_engine: AsyncEngine) -> None:
    await _fill(payment_engine, {"ancient": timedelta(days=3000)})

    pruned = await retention.prune(payment_engine, TABLES, Retention(None, None), NOW)

    assert pruned == retention.Pruned(0, 0)
    assert await _left(payment_engine) == ({"ancient"}, {"ancient"})
