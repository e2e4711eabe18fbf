"""The hot statements on the plain driver give what SQLAlchemy's execution gives, on every
engine: the rows with their types (aware instants), the new row's key, a taken key as
IntegrityError, many rows at once, and the transaction's rollback undoing them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Column, Integer, Select, String, Table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from erestaurant.platform import db, plain, statements

pytestmark = pytest.mark.integration

metadata = db.new_metadata()
cooks = Table(
    "plain_cook",
    metadata,
    Column("id", db.ID, primary_key=True),
    Column("name", String(50), nullable=False, unique=True),
    Column("portions", Integer, nullable=False),
    Column("started_at", db.UTCDateTime, nullable=True),
)
STARTED = datetime(2026, 12, 3, 12, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = db.create_engine(database_url)
    await db.create_schema(engine, metadata)
    try:
        yield engine
    finally:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.drop_all)
        await engine.dispose()


def _by_name() -> Select[Any]:
    return statements.select_by(cooks, ("name",), lock=True)


async def test_a_row_written_and_read_back_as_sqlalchemy_would(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        first = await plain.execute(
            conn, statements.insert(cooks), {"name": "kim", "portions": 3, "started_at": STARTED}
        )
        second = await plain.execute(
            conn, statements.insert(cooks), {"name": "lee", "portions": 1, "started_at": None}
        )
        assert db.inserted_id(second) == db.inserted_id(first) + 1
        key = statements.key_parameters({"name": "kim"})
        row = (await plain.execute(conn, _by_name(), key)).first()
        # The same statement through SQLAlchemy, for the comparison.
        through = (await conn.execute(_by_name(), key)).first()
    assert row == dict(through._mapping)
    assert row == {"id": db.inserted_id(first), "name": "kim", "portions": 3, "started_at": STARTED}
    assert row["started_at"].tzinfo is UTC


async def test_an_update_by_key_and_many_rows_at_once(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await plain.execute(
            conn,
            statements.insert(cooks),
            [{"name": f"cook {n}", "portions": n, "started_at": STARTED} for n in range(5)],
        )
        update = statements.update_by(cooks, ("name",))
        parameters = {"portions": 40, **statements.key_parameters({"name": "cook 4"})}
        await plain.execute(conn, update, parameters)
        found = await plain.execute(
            conn,
            _by_name(),
            statements.key_parameters({"name": "cook 4"}),
        )
        missing = await plain.execute(
            conn,
            _by_name(),
            statements.key_parameters({"name": "nobody"}),
        )
    assert [row["portions"] for row in found.rows] == [40]
    assert missing.first() is None


async def test_a_count_of_rows_with_one_of_some_values(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await plain.execute(
            conn,
            statements.insert(cooks),
            [{"name": f"cook {n}", "portions": n % 3} for n in range(7)],
        )
        count = statements.count_in(cooks, "portions", 2)
        parameters = statements.one_of_parameters([0, 2])
        found = (await plain.execute(conn, count, parameters)).first()
        through = (await conn.execute(count, parameters)).first()
    assert found == {statements.COUNTED: 5}  # portions 0, 2, 0, 2, 0
    assert found == dict(through._mapping)


async def test_a_taken_key_is_an_integrity_error_and_rollback_undoes(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.begin()
        await plain.execute(conn, statements.insert(cooks), {"name": "park", "portions": 2})
        with pytest.raises(IntegrityError):
            await plain.execute(conn, statements.insert(cooks), {"name": "park", "portions": 9})
        await conn.rollback()
    async with engine.connect() as conn:
        key = statements.key_parameters({"name": "park"})
        assert (await plain.execute(conn, _by_name(), key)).first() is None


async def test_on_sqlite_the_statements_run_on_the_driver(
    engine: AsyncEngine, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the plain path is SQLite's; other engines go through SQLAlchemy")
    async with engine.begin() as conn:
        await plain.execute(conn, statements.insert(cooks), {"name": "choi", "portions": 1})
        count = statements.count_in(cooks, "portions", 2)
        await plain.execute(conn, count, statements.one_of_parameters([1, 2]))
    for ran in (statements.insert(cooks), count):
        shapes = [c for (statement, *_), c in plain._COMPILED.items() if statement is ran]
        assert shapes
        assert all(compiled is not None for compiled in shapes)
