"""SQLite on the event loop's own thread, shaped like an aiosqlite connection.

SQLAlchemy's aiosqlite dialect hands every statement to a worker thread and waits for the
answer. On two cores that hand-off, not SQLite, was the cost: a one-row commit took about
1 ms of CPU through it (thread wake-ups and GIL hand-overs, ~50 futex calls a commit)
against 14 us for the same commit on the calling thread (docs/performance.md). A local
SQLite statement is a few microseconds of work on a file in the page cache, so it is run
where it is asked for, and the dialect is given this connection through its documented
``async_creator`` hook.

What must not block the loop is waiting for another writer's lock (a second replica, a
second engine on the same file, a checker). So the connection never waits inside SQLite
(``busy_timeout`` 0): a statement refused with SQLITE_BUSY had no effect, and it is tried
again after an asyncio sleep, until ``busy_seconds`` have passed.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy.pool import PoolProxiedConnection

T = TypeVar("T")
BUSY_SECONDS = 10.0
_FIRST_PAUSE = 0.001
_LONGEST_PAUSE = 0.05


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    # Extended codes (SQLITE_BUSY_SNAPSHOT, ...) keep the primary code in the low byte.
    code: int = getattr(exc, "sqlite_errorcode", 0)
    return code & 0xFF == sqlite3.SQLITE_BUSY


async def until_not_busy(call: Callable[[], T], busy_seconds: float = BUSY_SECONDS) -> T:
    """``call()``, tried again after a pause for as long as SQLite says another connection
    holds the lock."""
    deadline = time.monotonic() + busy_seconds
    pause = _FIRST_PAUSE
    while True:
        try:
            return call()
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() >= deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, _LONGEST_PAUSE)


class Cursor:
    def __init__(self, cursor: sqlite3.Cursor, busy_seconds: float) -> None:
        self._cursor = cursor
        self._busy_seconds = busy_seconds

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Cursor:
        run = self._cursor.execute
        await until_not_busy(
            (lambda: run(sql)) if parameters is None else (lambda: run(sql, parameters)),
            self._busy_seconds,
        )
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> Cursor:
        rows = list(parameters)  # a retry after SQLITE_BUSY needs them again
        await until_not_busy(lambda: self._cursor.executemany(sql, rows), self._busy_seconds)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _RunAtOnce:
    """The dialect sets ``isolation_level`` by queueing a function for aiosqlite's worker
    thread; here there is no thread, so the function runs when it is queued."""

    @staticmethod
    def put_nowait(item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:
            future.set_exception(exc)


class Connection:
    """The part of ``aiosqlite.Connection`` that SQLAlchemy's aiosqlite dialect uses."""

    _tx = _RunAtOnce()

    def __init__(self, connection: sqlite3.Connection, busy_seconds: float) -> None:
        self._conn: sqlite3.Connection | None = connection
        self._busy_seconds = busy_seconds

    @property
    def _connection(self) -> sqlite3.Connection | None:
        """What the dialect checks to know whether the connection is still open."""
        return self._conn

    def _open(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ValueError("Connection closed")
        return self._conn

    @property
    def sqlite(self) -> sqlite3.Connection:
        """The sqlite3 connection itself, for the statements run past SQLAlchemy (plain.py)."""
        return self._open()

    @property
    def isolation_level(self) -> str | None:
        return self._open().isolation_level

    def cursor(self) -> Cursor:
        return Cursor(self._open().cursor(), self._busy_seconds)

    async def commit(self) -> None:
        await until_not_busy(self._open().commit, self._busy_seconds)

    async def rollback(self) -> None:
        self._open().rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._open().create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        connection, self._conn = self._conn, None
        if connection is not None:
            connection.close()


async def connect(database: str, busy_seconds: float = BUSY_SECONDS) -> Connection:
    """An open connection to the SQLite file ``database``, in autocommit mode: SQLAlchemy
    says when a transaction begins (db.py issues BEGIN IMMEDIATE)."""
    connection = sqlite3.connect(database, timeout=0, isolation_level=None, check_same_thread=False)
    return Connection(connection, busy_seconds)


def under(pooled: PoolProxiedConnection) -> sqlite3.Connection | None:
    """The sqlite3 connection under one of SQLAlchemy's pooled connections (its ``.connection``)
    if it is one of these; None for any other driver."""
    driver = pooled.driver_connection
    return driver.sqlite if isinstance(driver, Connection) else None
