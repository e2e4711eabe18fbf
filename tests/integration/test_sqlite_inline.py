"""SQLite run on the event loop's thread: a writer waiting for another's lock waits in
asyncio, so the loop (and the other writer, in the same process) goes on."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from erestaurant.platform import db, sqlite_inline
from erestaurant.platform.settings import SqliteSynchronous

pytestmark = pytest.mark.integration


async def test_a_writer_waits_for_the_lock_without_blocking_the_loop(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'kitchen.db'}"
    first, second = db.create_engine(url), db.create_engine(url)
    try:
        async with first.begin() as conn:
            await conn.execute(text("CREATE TABLE cook (id INTEGER PRIMARY KEY, n INTEGER)"))
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.005)

        ticker = asyncio.create_task(tick())
        async with first.begin() as holder:
            await holder.execute(text("INSERT INTO cook (n) VALUES (1)"))
            # The second engine's BEGIN IMMEDIATE is refused while the first holds the lock.
            waiter = asyncio.create_task(_insert(second, 2))
            await asyncio.sleep(0.2)
            assert not waiter.done()
            ticks_while_waiting = ticks
        await asyncio.wait_for(waiter, 5)
        ticker.cancel()

        assert ticks_while_waiting >= 10, "the loop stood still while a writer waited"
        async with first.connect() as conn:
            rows = (await conn.execute(text("SELECT n FROM cook ORDER BY id"))).scalars().all()
        assert rows == [1, 2]
    finally:
        await first.dispose()
        await second.dispose()


async def _insert(engine: AsyncEngine, n: int) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO cook (n) VALUES (:n)"), {"n": n})


async def test_a_lock_held_past_the_deadline_is_reported_as_locked(tmp_path: Path) -> None:
    path = str(tmp_path / "payment.db")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE deduction (id INTEGER PRIMARY KEY)")
    holder.execute("BEGIN IMMEDIATE")
    waiter = await sqlite_inline.connect(path, busy_seconds=0.2)
    try:
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await waiter.cursor().execute("BEGIN IMMEDIATE")
        assert time.monotonic() - started >= 0.2
    finally:
        holder.rollback()
        holder.close()
        await waiter.close()


async def test_statements_not_refused_for_a_lock_fail_at_once(tmp_path: Path) -> None:
    connection = await sqlite_inline.connect(str(tmp_path / "hall.db"))
    try:
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            await connection.cursor().execute("SELECT * FROM missing")
        assert time.monotonic() - started < 1.0
    finally:
        await connection.close()


async def test_an_isolation_level_set_through_the_dialect_takes_effect_at_once(
    tmp_path: Path,
) -> None:
    # SQLAlchemy's aiosqlite dialect sets isolation levels by queueing a function for a
    # worker thread; with no thread here, it runs when queued.
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'notification.db'}")
    try:
        async with engine.connect() as conn:
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            raw = await autocommit.get_raw_connection()
            assert raw.driver_connection is not None
            assert raw.driver_connection.isolation_level is None
            assert (await autocommit.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await engine.dispose()


@pytest.mark.parametrize(("asked", "level"), [("NORMAL", 1), ("FULL", 2)])
async def test_commits_are_synced_as_the_setting_says(
    tmp_path: Path, asked: SqliteSynchronous, level: int
) -> None:
    engine = db.create_engine(
        f"sqlite+aiosqlite:///{tmp_path / 'synced.db'}", sqlite_synchronous=asked
    )
    try:
        async with engine.connect() as conn:
            synced = (await conn.execute(text("PRAGMA synchronous"))).scalar_one()
            journal = (await conn.execute(text("PRAGMA journal_mode"))).scalar_one()
    finally:
        await engine.dispose()
    assert (synced, journal) == (level, "wal")


def test_a_sync_level_sqlite_is_not_to_be_given_is_refused(tmp_path: Path) -> None:
    # What the type forbids is refused at run time too: the level goes into a PRAGMA.
    off = cast(SqliteSynchronous, "OFF")
    with pytest.raises(ValueError, match="OFF"):
        db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", sqlite_synchronous=off)
