"""The database engines the suites run on, and the real servers behind them.

Every test that touches a database runs on SQLite, PostgreSQL and MariaDB. The servers are
expected on their usual local ports (``.ci/servers`` starts them); a missing server fails
the test with the command that starts it. It never skips: a skipped engine would let a
green run hide that the outbox and inbox were never tried there.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import re
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiomysql
import asyncpg
import pytest
import redis.asyncio as aioredis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from erestaurant.platform import migrations

ENGINES = ("sqlite", "postgresql", "mariadb")

DATABASE_PREFIX = "erestaurant_test_"

# Short enough that a server that is up answers well within it, long enough for a loaded CI
# machine; a server that is down refuses at once anyway.
CONNECT_TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True)
class Server:
    name: str
    host: str
    port: int
    start: str

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


SERVERS = {
    "postgresql": Server(
        "PostgreSQL",
        "127.0.0.1",
        5432,
        "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    ),
    "mariadb": Server(
        "MariaDB",
        "127.0.0.1",
        3306,
        "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd",
    ),
    "redis": Server(
        "Redis",
        "127.0.0.1",
        6379,
        'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" '
        "--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log",
    ),
}

T = TypeVar("T")

POSTGRES_USER = "postgres"
MARIADB_USER = "root"


# -- is the server there -----------------------------------------------------------------


def require(server: str) -> None:
    """Fail the current test unless ``server`` (postgresql, mariadb, redis) answers.

    Callable from sync and async code alike: the handshake runs on its own event loop in a
    worker thread, so it neither needs nor disturbs the caller's loop.
    """
    problem = _in_own_loop(lambda: _problem(server))
    if problem is not None:
        pytest.fail(_missing(server, problem), pytrace=False)


async def _require(server: str) -> None:
    problem = await _problem(server)
    if problem is not None:
        pytest.fail(_missing(server, problem), pytrace=False)


def _missing(server: str, problem: str) -> str:
    s = SERVERS[server]
    return (
        f"{s.name} does not answer at {s.address} ({problem}). These tests need a real "
        f"{s.name} and do not skip without one. Start it with\n"
        f"    {s.start}\n"
        f"or run .ci/servers, which starts every server the tests need."
    )


async def _problem(server: str) -> str | None:
    """None if the server completes a real handshake; else what went wrong."""
    if server not in SERVERS:
        raise ValueError(f"unknown server {server!r}: one of {', '.join(SERVERS)}")
    s = SERVERS[server]
    # A bare connect first: "nothing listens" is the usual case and says the most.
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(s.host, s.port), CONNECT_TIMEOUT_SECONDS
        )
    except (OSError, TimeoutError) as exc:
        return f"nothing accepts connections: {exc or exc.__class__.__name__}"
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    try:
        await asyncio.wait_for(_HANDSHAKES[server](s), CONNECT_TIMEOUT_SECONDS)
    except TimeoutError:
        return f"the port is open but no handshake within {CONNECT_TIMEOUT_SECONDS:.0f} s"
    except Exception as exc:
        return f"the port is open but the handshake failed: {exc.__class__.__name__}: {exc}"
    return None


async def _postgres_handshake(s: Server) -> None:
    conn = await asyncpg.connect(
        host=s.host,
        port=s.port,
        user=POSTGRES_USER,
        database="postgres",
        timeout=CONNECT_TIMEOUT_SECONDS,
    )
    try:
        await conn.fetchval("SELECT 1")
    finally:
        await conn.close()


async def _mariadb_handshake(s: Server) -> None:
    conn = await aiomysql.connect(host=s.host, port=s.port, user=MARIADB_USER, password="")
    try:
        async with conn.cursor() as cursor:
            await cursor.execute("SELECT 1")
    finally:
        await conn.ensure_closed()


async def _redis_handshake(s: Server) -> None:
    client = aioredis.Redis(host=s.host, port=s.port)
    try:
        await client.ping()
    finally:
        await client.aclose()


_HANDSHAKES: dict[str, Callable[[Server], Coroutine[Any, Any, None]]] = {
    "postgresql": _postgres_handshake,
    "mariadb": _mariadb_handshake,
    "redis": _redis_handshake,
}


def _in_own_loop(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, make()).result()


# -- a fresh database per test --------------------------------------------------------------


def url_of(engine: str, name: str, tmp_dir: Path) -> str:
    """The SQLAlchemy async URL of database ``name`` on ``engine``."""
    if engine == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_dir / name}.db"
    if engine == "postgresql":
        s = SERVERS["postgresql"]
        return f"postgresql+asyncpg://{POSTGRES_USER}@{s.address}/{name}"
    if engine == "mariadb":
        s = SERVERS["mariadb"]
        return f"mysql+aiomysql://{MARIADB_USER}@{s.address}/{name}"
    raise ValueError(f"unknown engine {engine!r}: one of {', '.join(ENGINES)}")


@contextlib.asynccontextmanager
async def fresh_database(engine: str, tmp_dir: Path, label: str = "") -> AsyncIterator[str]:
    """A new, empty database on ``engine``; its URL for the block, dropped after it.

    ``label`` (e.g. a service's name) goes into the name, so that several databases of one
    test are told apart in the server's list while it runs.
    """
    name = await create_database(engine, label)
    try:
        yield url_of(engine, name, tmp_dir)
    finally:
        await drop_database(engine, name)


@contextlib.contextmanager
def database(engine: str, label: str, tmp_dir: Path) -> Iterator[str]:
    """``fresh_database`` for synchronous code (the end-to-end suite's fixtures)."""
    name = _in_own_loop(lambda: create_database(engine, label))
    try:
        yield url_of(engine, name, tmp_dir)
    finally:
        _in_own_loop(lambda: drop_database(engine, name))


async def create_database(engine: str, label: str = "") -> str:
    """Make a database of a new name on ``engine`` (SQLite: nothing to do); its name."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: one of {', '.join(ENGINES)}")
    if not re.fullmatch(r"[a-z0-9_]{0,20}", label):
        # It is spliced into CREATE DATABASE, and server names stop at 63 characters.
        raise ValueError(f"label {label!r}: up to 20 of a-z, 0-9 and _")
    name = f"{DATABASE_PREFIX}{label}{'_' if label else ''}{uuid.uuid4().hex[:8]}"
    if engine != "sqlite":
        await _require(engine)
        await migrations.ensure_database(url_of(engine, name, Path()))
    return name


async def drop_database(engine: str, name: str) -> None:
    if engine != "sqlite":
        await migrations.drop_database(url_of(engine, name, Path()))


def wipe_redis(prefix: str) -> None:
    """Delete every key under ``prefix`` (a test run's view) from the local Redis."""

    async def wipe() -> None:
        s = SERVERS["redis"]
        client = aioredis.Redis(host=s.host, port=s.port)
        try:
            keys = [key async for key in client.scan_iter(match=f"{prefix}:*", count=500)]
            if keys:
                await client.unlink(*keys)
        finally:
            await client.aclose()

    _in_own_loop(wipe)


def wait_for_port(port: int, seconds: float, process: subprocess.Popen[bytes]) -> None:
    """Return once something accepts connections on ``port``; fail if ``process`` died."""
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            pytest.fail(f"the process for port {port} exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        if time.monotonic() > deadline:
            pytest.fail(f"nothing accepts connections on port {port} after {seconds:.0f}s")
        time.sleep(0.05)


# -- reading a database apart from the code under test ----------------------------------


class Reader:
    """Plain SQL on its own connections, apart from the code under test.

    On SQLite it does not take the write lock the services' engines take at BEGIN, and on
    the servers it reads a fresh snapshot each time, so it never waits on the writer and
    always sees what is committed. Write portable SQL with ``:name`` parameters.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: AsyncEngine = create_async_engine(url)

    async def rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        async with self._engine.connect() as conn:
            return [tuple(row) for row in await conn.execute(text(sql), params)]

    async def count(self, table: str, where: str = "1=1", **params: Any) -> int:
        [(n,)] = await self.rows(f"SELECT COUNT(*) FROM {table} WHERE {where}", **params)
        return int(n)

    async def outbox(self) -> list[tuple[str, str, str, Any]]:
        """(event_id, subject, body, published_at) of every outbox row, in order."""
        return [
            (str(r[0]), str(r[1]), str(r[2]), r[3])
            for r in await self.rows(
                "SELECT event_id, subject, body, published_at FROM outbox ORDER BY id"
            )
        ]

    async def close(self) -> None:
        await self._engine.dispose()
