"""Database engines and column types that behave the same on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args

from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, event, text
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.types import TypeDecorator, TypeEngine
from sqlalchemy.util import await_only

from erestaurant.platform import sqlite_inline
from erestaurant.platform.settings import SqliteSynchronous

# Stable constraint names, so that migrations and error messages say what broke.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# A generated key: 64 bits, but SQLite only autoincrements an INTEGER PRIMARY KEY.
ID = BigInteger().with_variant(Integer, "sqlite")


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING)


def required(
    name: str, kind: TypeEngine[Any] | type[TypeEngine[Any]], *args: Any, **kwargs: Any
) -> Column[Any]:
    """A column that is never NULL (a plain ``Column`` may be, as SQLAlchemy has it)."""
    return Column(name, kind, *args, nullable=False, **kwargs)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores instants as naive UTC and gives them back as aware UTC, on every engine."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name in ("mysql", "mariadb"):
            # MySQL and MariaDB keep whole seconds unless asked for more.
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: give an aware UTC instant")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def inserted_id(result: Any) -> int:
    """The key the database gave the row just inserted."""
    return int(result.inserted_primary_key[0])


def create_engine(url: str, *, sqlite_synchronous: SqliteSynchronous = "NORMAL") -> AsyncEngine:
    """An engine on ``url``; on SQLite, its commits synced as ``sqlite_synchronous`` says
    (NORMAL or FULL: ServiceSettings.sqlite_synchronous)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True)
    database = parsed.database or ":memory:"
    if database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # SQLite takes one writer at a time: a pool of one connection queues writers in the
    # process instead of letting them fight over the file lock (a much shorter p99).
    engine = create_async_engine(
        url,
        pool_size=1,
        max_overflow=0,
        pool_timeout=30,
        # Statements run on the loop's thread, not aiosqlite's (see sqlite_inline).
        async_creator=lambda: sqlite_inline.connect(database),
    )
    if sqlite_synchronous not in get_args(SqliteSynchronous):
        levels = ", ".join(get_args(SqliteSynchronous))
        raise ValueError(f"SQLite synchronous: {sqlite_synchronous!r} is none of {levels}")

    def pragmas(dbapi_connection: Any, _record: Any) -> None:
        _sqlite_pragmas(dbapi_connection, sqlite_synchronous)

    event.listen(engine.sync_engine, "connect", pragmas)
    event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, synchronous: SqliteSynchronous) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers of another process (a second replica, a checker) in while we write;
    # NORMAL sync survives a killed process, FULL a power cut too (an fsync per commit).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # IMMEDIATE takes the write lock up front, so a read-then-write transaction of another
    # process waits for the lock instead of failing with a stale snapshot. Said to the
    # driver itself (every transaction begins here: SQLAlchemy's execution of one
    # statement cost more than the statement), waiting for the lock as the others do.
    sqlite = sqlite_inline.under(conn.connection)
    assert sqlite is not None, "a SQLite engine not made by create_engine"
    await_only(sqlite_inline.until_not_busy(lambda: sqlite.execute("BEGIN IMMEDIATE")))


async def create_schema(engine: AsyncEngine, metadata: MetaData) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
