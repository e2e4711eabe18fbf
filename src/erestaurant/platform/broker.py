"""The connection to NATS JetStream and the one stream that carries every event."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError

log = logging.getLogger(__name__)

SUBJECT_PREFIX = "erestaurant"

# JetStream drops a repeated Nats-Msg-Id only inside this window; beyond it the inbox
# of each consumer is what keeps a late re-publish harmless.
DUPLICATE_WINDOW_SECONDS = 120.0


def stream_config(name: str, replicas: int = 1) -> StreamConfig:
    return StreamConfig(
        name=name,
        num_replicas=replicas,
        subjects=[f"{SUBJECT_PREFIX}.>"],
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        discard=DiscardPolicy.OLD,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
    )


class Broker:
    def __init__(self, url: str, stream: str, client_name: str, stream_replicas: int = 1) -> None:
        self.url = url
        self.stream = stream
        self.stream_replicas = stream_replicas
        self._name = client_name
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._closing = False

    @property
    def connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    @property
    def nc(self) -> Client:
        if self._nc is None:
            raise RuntimeError("broker not connected yet")
        return self._nc

    @property
    def js(self) -> JetStreamContext:
        if self._js is None:
            raise RuntimeError("broker not connected yet")
        return self._js

    async def connect(self, first_retry_seconds: float = 0.2) -> None:
        """Connect and make sure the stream exists, retrying until both work; the service
        serves (and reports not ready) meanwhile."""
        delay = first_retry_seconds
        self._closing = False
        while True:
            try:
                nc = await nats.connect(
                    [server.strip() for server in self.url.split(",") if server.strip()],
                    name=self._name,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=0.5,
                    connect_timeout=2,
                    error_cb=self._on_error,
                    disconnected_cb=self._on_disconnected,
                    reconnected_cb=self._on_reconnected,
                )
            except (OSError, TimeoutError, nats.errors.Error) as exc:
                log.warning(
                    "NATS at %s not reachable (%s); retrying in %.1fs", self.url, exc, delay
                )
            else:
                try:
                    self._nc, self._js = nc, nc.jetstream()
                    await self.ensure_stream()
                    log.info("connected to NATS at %s, stream %s", self.url, self.stream)
                    return
                except Exception as exc:
                    log.warning("JetStream not usable yet (%s); retrying in %.1fs", exc, delay)
                    self._nc = self._js = None
                    await nc.close()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def ensure_stream(self) -> None:
        config = stream_config(self.stream, self.stream_replicas)
        try:
            await self.js.add_stream(config)
        except BadRequestError:
            # It exists with other settings (an operator may have tuned it): keep theirs.
            await self.js.stream_info(self.stream)

    async def listen(
        self, subject: str, listener: Callable[[str, bytes], Coroutine[Any, Any, None]]
    ) -> None:
        """A plain subscription (NATS core, not JetStream): ``listener`` hears each message
        published on ``subject`` from now on; nats-py subscribes again after a reconnect."""
        if self._nc is None:
            raise RuntimeError("broker not connected yet")

        async def hear(message: Msg) -> None:
            await listener(message.subject, message.data)

        await self._nc.subscribe(subject, cb=hear)
        # The server has the subscription when the flush is answered, or a moment later (seen
        # under load): a screen reads its state afresh when it connects, so an event missed
        # in that moment costs nothing.
        await self._nc.flush()

    async def close(self) -> None:
        """Send what is buffered (the last acks), then close; the consumer has stopped by now."""
        nc, self._nc, self._js = self._nc, None, None
        self._closing = True
        if nc is None or nc.is_closed:
            return
        try:
            await nc.flush(timeout=2)
        except Exception as exc:  # closing anyway: unsent acks only mean redeliveries
            log.warning("could not flush to NATS before closing: %s", exc)
        await nc.close()

    async def _on_error(self, exc: Exception) -> None:
        log.warning("NATS error: %s", exc)

    async def _on_disconnected(self) -> None:
        if not self._closing:  # a close of our own is no news
            log.warning("disconnected from NATS")

    async def _on_reconnected(self) -> None:
        log.info("reconnected to NATS")
