"""Answers the gateway passes on as they come: the screens' server-sent events, and any
other answer whose length only the service knows (no Content-Length).

A stream is copied to the client chunk by chunk until the service ends it, the client
leaves (the upstream connection is closed at once, so none is left reading for nobody), or
the gateway stops: a stopping gateway ends every stream it holds, because aiohttp would
otherwise wait for each up to its shutdown timeout and a rolling restart would hang on the
kitchen's display. A browser's EventSource reconnects by itself, to a gateway that runs.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import aiohttp
from aiohttp import web

log = logging.getLogger(__name__)

# Why a stream ended, as its log line says.
SERVICE_ENDED = "the service ended it"
SERVICE_BROKE = "the service broke it"
CLIENT_LEFT = "the client left"
GATEWAY_STOPPED = "the gateway stopped"


class OpenStreams:
    """The upstream answers being streamed, so that a stopping gateway can end them."""

    def __init__(self) -> None:
        self._upstreams: set[aiohttp.ClientResponse] = set()
        self.closed = False

    def add(self, upstream: aiohttp.ClientResponse) -> None:
        self._upstreams.add(upstream)
        if self.closed:  # began while the gateway stops: it ends at once
            upstream.close()

    def discard(self, upstream: aiohttp.ClientResponse) -> None:
        self._upstreams.discard(upstream)

    def close_all(self) -> int:
        """End every stream (each ends its client's answer cleanly); how many there were."""
        self.closed = True
        ending = list(self._upstreams)
        for upstream in ending:
            upstream.close()
        return len(ending)

    def __len__(self) -> int:
        return len(self._upstreams)


async def relay(
    request: web.Request,
    upstream: aiohttp.ClientResponse,
    reply: web.StreamResponse,
    streams: OpenStreams,
) -> web.StreamResponse:
    """Copy ``upstream`` to the client as ``reply`` (its headers set), then close it."""
    streams.add(upstream)
    started = time.perf_counter()
    copied = Copied()
    try:
        await _copy(request, upstream, reply, copied)
    finally:
        streams.discard(upstream)
        upstream.close()
    if copied.ended == SERVICE_BROKE and streams.closed:
        copied.ended = GATEWAY_STOPPED
    elif copied.ended == SERVICE_BROKE:
        _abort(request)
    # A stream's end, not its length, is what a latency line would have said.
    log.debug(
        "%s %s -> %d streamed %d bytes for %.1f s until %s",
        request.method,
        request.path_qs,
        reply.status,
        copied.bytes,
        time.perf_counter() - started,
        copied.ended,
    )
    return reply


@dataclass
class Copied:
    bytes: int = 0
    ended: str = SERVICE_ENDED


async def _copy(
    request: web.Request,
    upstream: aiohttp.ClientResponse,
    reply: web.StreamResponse,
    copied: Copied,
) -> None:
    try:
        await reply.prepare(request)
    except ConnectionError:
        copied.ended = CLIENT_LEFT
        return
    while True:
        try:
            chunk = await upstream.content.readany()
        except (aiohttp.ClientError, TimeoutError):
            copied.ended = SERVICE_BROKE
            return
        if not chunk:
            return
        try:
            await reply.write(chunk)
        except ConnectionError:
            copied.ended = CLIENT_LEFT
            return
        copied.bytes += len(chunk)


def _abort(request: web.Request) -> None:
    """Cut the client's connection, so that it knows the answer is not whole: ending it
    cleanly would pass a cut-off download for a complete one."""
    if request.transport is not None:
        request.transport.close()
