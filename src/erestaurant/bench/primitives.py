"""The primitives the saga runs on, measured the way the services use them."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import nats
from nats.js.api import AckPolicy, ConsumerConfig, StorageType, StreamConfig
from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from erestaurant.bench.client import closed_loop
from erestaurant.bench.stats import Samples
from erestaurant.platform import db
from erestaurant.platform.tokens import TokenVerifier
from erestaurant.runner.wiring import free_ports

# About the size of one event's envelope on the wire.
EVENT_BYTES = 420


@contextlib.asynccontextmanager
async def hello_server() -> AsyncIterator[str]:
    """The hello-world app in a process of its own, as a service runs; its URL."""
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
        yield url
    finally:
        process.terminate()
        await process.wait()


async def hello_world(http: aiohttp.ClientSession, callers: int, seconds: float) -> Samples:
    async with hello_server() as url:

        async def get() -> bool:
            async with http.get(f"{url}/hello") as r:
                await r.read()
                return r.status == 200

        return await closed_loop(get, callers, seconds)


async def jetstream(nats_url: str, count: int) -> dict[str, float]:
    """Messages per second published (``publish_async`` with a Nats-Msg-Id, as the relay
    does) and consumed (a durable pull consumer, one ack per message, as the services do),
    on a file-stored stream of the same server."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    stream = f"BENCH_{uuid.uuid4().hex[:8]}"
    await js.add_stream(
        StreamConfig(name=stream, subjects=[f"{stream.lower()}.>"], storage=StorageType.FILE)
    )
    body = b"x" * EVENT_BYTES
    try:
        started = time.perf_counter()
        acks = [
            await js.publish_async(
                f"{stream.lower()}.event", body, headers={"Nats-Msg-Id": uuid.uuid4().hex}
            )
            for _ in range(count)
        ]
        await asyncio.gather(*acks)
        published = count / (time.perf_counter() - started)

        await js.add_consumer(
            stream, ConsumerConfig(durable_name="bench", ack_policy=AckPolicy.EXPLICIT)
        )
        sub = await js.pull_subscribe_bind(durable="bench", stream=stream)
        started, seen = time.perf_counter(), 0
        while seen < count:
            for message in await sub.fetch(100, timeout=5):
                await message.ack()
                seen += 1
        consumed = count / (time.perf_counter() - started)
    finally:
        await js.delete_stream(stream)
        await nc.close()
    return {"publish_per_second": round(published), "consume_per_second": round(consumed)}


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
                await conn.execute(insert(rows).values(body=body))
        return count / (time.perf_counter() - started)
    finally:
        await engine.dispose()
        await asyncio.to_thread(_remove, path)


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
