"""The primitives the saga runs on, measured the way the services use them."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import sqlite3
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import nats
import orjson
from nats.js.api import AckPolicy, ConsumerConfig, StorageType, StreamConfig
from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.schema import CreateIndex, CreateTable

from erestaurant.bench import cpu
from erestaurant.bench.client import closed_loop
from erestaurant.bench.stats import Samples
from erestaurant.contracts import CATALOG, Envelope, decode
from erestaurant.contracts.hall import OrderPlaced
from erestaurant.platform import db, statements
from erestaurant.platform.inbox import inbox_table
from erestaurant.platform.outbox import outbox_table
from erestaurant.platform.tokens import TokenVerifier
from erestaurant.runner.wiring import free_ports

# About the size of one event's envelope on the wire.
EVENT_BYTES = 420


@contextlib.asynccontextmanager
async def hello_server() -> AsyncIterator[tuple[str, int]]:
    """The hello-world app in a process of its own, as a service runs; its URL and pid."""
    [port] = free_ports(1)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "erestaurant.bench.hello", str(port)
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{url}/hello") as r:
                        if r.status == 200:
                            break
                await asyncio.sleep(0.05)
        yield url, process.pid
    finally:
        process.terminate()
        await process.wait()


async def hello_world(
    http: aiohttp.ClientSession, callers: int, seconds: float
) -> tuple[Samples, dict[str, float]]:
    """A closed loop on the hello-world endpoint; its samples, and the CPU a request cost
    the server and the client (microseconds each)."""
    async with hello_server() as (url, pid):

        async def get() -> bool:
            async with http.get(f"{url}/hello") as r:
                await r.read()
                return r.status == 200

        server, client = cpu.cpu_seconds(pid), time.process_time()
        samples = await closed_loop(get, callers, seconds)
        requests = max(1, len(samples.ok))
        return samples, {
            "server_cpu_us": round((cpu.cpu_seconds(pid) - server) / requests * 1e6, 1),
            "client_cpu_us": round((time.process_time() - client) / requests * 1e6, 1),
        }


async def jetstream(nats_url: str, nats_pid: int, count: int) -> dict[str, float]:
    """Messages per second published (``publish_async`` with a Nats-Msg-Id, as the relay
    does) and consumed (a durable pull consumer, one ack per message, as the services do),
    on a file-stored stream of the same server; and the CPU each cost, client and server
    together (microseconds a message)."""

    def used() -> float:
        return cpu.cpu_seconds(nats_pid) + time.process_time()

    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    stream = f"BENCH_{uuid.uuid4().hex[:8]}"
    await js.add_stream(
        StreamConfig(name=stream, subjects=[f"{stream.lower()}.>"], storage=StorageType.FILE)
    )
    body = b"x" * EVENT_BYTES
    try:
        started, spent = time.perf_counter(), used()
        acks = [
            await js.publish_async(
                f"{stream.lower()}.event", body, headers={"Nats-Msg-Id": uuid.uuid4().hex}
            )
            for _ in range(count)
        ]
        await asyncio.gather(*acks)
        published = count / (time.perf_counter() - started)
        publish_cpu = (used() - spent) / count * 1e6

        await js.add_consumer(
            stream, ConsumerConfig(durable_name="bench", ack_policy=AckPolicy.EXPLICIT)
        )
        sub = await js.pull_subscribe_bind(durable="bench", stream=stream)
        started, seen, spent = time.perf_counter(), 0, used()
        while seen < count:
            for message in await sub.fetch(100, timeout=5):
                await message.ack()
                seen += 1
        consumed = count / (time.perf_counter() - started)
        consume_cpu = (used() - spent) / count * 1e6
    finally:
        await js.delete_stream(stream)
        await nc.close()
    return {
        "publish_per_second": round(published),
        "consume_per_second": round(consumed),
        "publish_cpu_us": round(publish_cpu, 1),
        "consume_cpu_us": round(consume_cpu, 1),
    }


async def commits(data_dir: Path, count: int) -> float:
    """Transactions per second, each inserting one row, on an SQLite file with the
    services' engine (one connection, WAL, synchronous=NORMAL, BEGIN IMMEDIATE)."""
    path = data_dir / f"bench-{uuid.uuid4().hex[:8]}.db"
    engine = db.create_engine(f"sqlite+aiosqlite:///{path}")
    metadata = MetaData()
    rows = Table(
        "rows", metadata, Column("id", Integer, primary_key=True), Column("body", String(500))
    )
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        body = "x" * EVENT_BYTES
        started = time.perf_counter()
        for _ in range(count):
            async with engine.begin() as conn:
                await conn.execute(statements.insert(rows), {"body": body})
        return count / (time.perf_counter() - started)
    finally:
        await engine.dispose()
        await asyncio.to_thread(_remove, path)


def _plain_schema() -> list[str]:
    """The services' own inbox and outbox, as SQLite's DDL (their keys and indexes
    included: each insert pays for those), and a table of orders to change."""
    metadata = db.new_metadata()
    tables = (inbox_table(metadata), outbox_table(metadata))
    dialect = sqlite_dialect.dialect()
    return [
        *(str(CreateTable(table).compile(dialect=dialect)) for table in tables),
        *(str(CreateIndex(i).compile(dialect=dialect)) for t in tables for i in t.indexes),
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, status VARCHAR(20) NOT NULL)",
    ]


def plain_sqlite(data_dir: Path, count: int) -> dict[str, float]:
    """What the plain sqlite3 driver takes for a service's transaction (an inbox row, the
    change, an outbox row, the commit), and for a read by key, in microseconds of CPU: the
    cheapest the services' statements could be on this machine (WAL, synchronous=NORMAL,
    BEGIN IMMEDIATE, as the services' engine)."""
    path = data_dir / f"bench-plain-{uuid.uuid4().hex[:8]}.db"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        for statement in _plain_schema():
            conn.execute(statement)
        conn.executemany(
            "INSERT INTO orders (id, status) VALUES (?, 'PLACED')", [(n,) for n in range(count)]
        )
        body, now = "x" * EVENT_BYTES, "2026-01-01 12:00:00.000000"
        ids = [uuid.uuid4().hex for _ in range(2 * count)]
        started = time.process_time()
        for n in range(count):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO inbox (event_id, event_type, handled_at) VALUES (?, 'OrderPlaced', ?)",
                (ids[2 * n], now),
            )
            conn.execute("UPDATE orders SET status = 'COOKED' WHERE id = ?", (n,))
            conn.execute(
                "INSERT INTO outbox (event_id, subject, body, created_at) VALUES (?, ?, ?, ?)",
                (ids[2 * n + 1], "erestaurant.bench.Cooked", body, now),
            )
            conn.execute("COMMIT")
        transaction = (time.process_time() - started) / count * 1e6
        started = time.process_time()
        for n in range(count):
            conn.execute("SELECT id, status FROM orders WHERE id = ?", (n,)).fetchone()
        read = (time.process_time() - started) / count * 1e6
    finally:
        conn.close()
        _remove(path)
    return {"transaction_us": round(transaction, 1), "read_by_key_us": round(read, 2)}


def envelopes(count: int) -> dict[str, float]:
    """An event's envelope in microseconds of CPU: encoded and decoded as the services do
    (with their checks), and as bytes with no schema, the floor."""
    event = OrderPlaced(
        order_id=uuid.uuid4().hex,
        employee_card_no="B123456789",
        menu_id=1,
        menu_name="Bibimbap",
        qty=1,
        amount=6500,
        ordered_at=datetime.datetime.now(datetime.UTC),
    )

    def wrapped() -> Envelope:
        return Envelope.wrap(
            event,
            occurred_at=datetime.datetime.now(datetime.UTC),
            correlation_id=uuid.uuid4().hex,
            causation_id=None,
        )

    data = wrapped().to_json()

    def timed(work: Callable[[], object]) -> float:
        started = time.process_time()
        for _ in range(count):
            work()
        return round((time.process_time() - started) / count * 1e6, 2)

    raw = orjson.loads(data)
    return {
        "encode": timed(lambda: wrapped().to_json()),
        "decode": timed(lambda: decode(Envelope.from_json(data), CATALOG)),
        "encode_floor": timed(lambda: orjson.dumps(raw)),
        "decode_floor": timed(lambda: orjson.loads(data)),
    }


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


# Each order's token is checked three times: at the gateway, in hall, and (hall's own token)
# in the kitchen's reservation.
TOKEN_CHECKS_PER_ORDER = 3


async def token_checks(issuer: str, token: str, count: int) -> dict[str, float]:
    """What checking an access token costs, in microseconds of this process: the signature
    check a token gets the first time a service sees it, and the look-up every later
    request with the same token costs; and the two per order."""
    verifier = TokenVerifier(issuer, {"erestaurant"})
    try:
        await verifier.verify(token)  # the keys, fetched once
        started = time.process_time()
        for _ in range(count):
            verifier.forget()
            await verifier.verify(token)
        signature = (time.process_time() - started) / count * 1e6
        started = time.process_time()
        for _ in range(count):
            await verifier.verify(token)
        cached = (time.process_time() - started) / count * 1e6
    finally:
        await verifier.close()
    return {
        "signature": round(signature, 1),
        "cached": round(cached, 2),
        "per_order_first": round(signature * TOKEN_CHECKS_PER_ORDER, 1),
        "per_order": round(cached * TOKEN_CHECKS_PER_ORDER, 2),
    }
