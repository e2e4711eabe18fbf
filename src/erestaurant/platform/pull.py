"""A durable JetStream consumer's messages as they come, over pull requests kept open.

nats-py's ``fetch`` sends a pull request for every batch, and on an idle stream two (one to
look, one to wait): at a trickle of events, two requests and a status answer for each
event. Here a request for ``window`` messages stays open on the server, which delivers into
one subscription as events arrive; a new request tops the window up when half of it is
used, and one replaces it when it expires. Idle, that is one small request every
``expires`` seconds; busy, one for every ``window / 2`` messages.

Flow control is the window: what the server may still send plus what waits here, not yet
taken, never exceeds it, so a slow handler holds back no more than the window and the batch
in its hands from the ack wait.
A request the server lost (it restarted, the connection dropped) is given up a moment after
it should have expired, and replaced.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import time
from dataclasses import dataclass

import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js.api import Header, StatusCode

API_PREFIX = "$JS.API"
# On a status that ends a request: how many of the messages it asked for it did not bring.
PENDING_MESSAGES = "Nats-Pending-Messages"
# A request the server has not ended by this long after its expiry is taken as lost.
LOST_AFTER_SECONDS = 0.5
# Statuses that end a pull request: no messages (with no_wait), expired, or a conflict
# (the consumer changed or was deleted, the server's limit of waiting requests).
_ENDS_REQUEST = frozenset({StatusCode.NO_MESSAGES, StatusCode.REQUEST_TIMEOUT, StatusCode.CONFLICT})


@dataclass
class _Request:
    asked: int
    expires_at: float


class ContinuousPull:
    """The messages of ``durable`` on ``stream``, handed out in order as they arrive."""

    def __init__(
        self,
        nc: Client,
        stream: str,
        durable: str,
        *,
        window: int = 100,
        expires_seconds: float = 2.0,
    ) -> None:
        self._nc = nc
        self._next_subject = f"{API_PREFIX}.CONSUMER.MSG.NEXT.{stream}.{durable}"
        self._window = window
        self._expires = expires_seconds
        self._inbox = nc.new_inbox()
        self._numbers = itertools.count()
        # Requests not yet ended, by the subject their statuses come back on. A message
        # comes on its stream subject, not on the request's: what is still owed is counted
        # in all (``_promised``), and set right by what an ending request says it left.
        self._requests: dict[str, _Request] = {}
        self._promised = 0
        self._arrived: collections.deque[Msg] = collections.deque()
        # Set while take() waits for a first message: resolved by one arriving, or by time.
        self._waiter: asyncio.Future[None] | None = None
        self._sub: Subscription | None = None

    async def start(self) -> None:
        self._sub = await self._nc.subscribe(f"{self._inbox}.*", cb=self._on_message)
        await self._top_up()

    async def stop(self) -> list[Msg]:
        """Stop asking; what arrived and was not taken is returned, for the caller to give
        back (nak) so that another replica gets it at once rather than after the ack wait."""
        if self._sub is not None:
            await self._sub.unsubscribe()
            self._sub = None
        self._requests.clear()
        self._promised = 0
        left = list(self._arrived)
        self._arrived.clear()
        return left

    async def take(self, most: int, wait_seconds: float) -> list[Msg]:
        """Up to ``most`` messages, waiting at most ``wait_seconds`` for the first one;
        an idle wait is also when lost requests are replaced."""
        taken: list[Msg] = []
        if self._arrived or await self._wait(wait_seconds):
            taken = [self._arrived.popleft() for _ in range(min(most, len(self._arrived)))]
        self._forget_ended()
        await self._top_up()
        return taken

    async def _wait(self, seconds: float) -> bool:
        """Whether a message arrived within ``seconds``. (A future and a timer: the
        consumer waits here for every event that comes alone, and asyncio.wait_for would
        make a task of each wait.)"""
        loop = asyncio.get_running_loop()
        self._waiter = waiter = loop.create_future()
        timer = loop.call_later(seconds, _resolve, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None
        return bool(self._arrived)

    async def _top_up(self) -> None:
        """Ask for what the window has room for, once half of it is free (or nothing is
        owed at all, so that a lone message is never left waiting)."""
        if self._sub is None or not self._nc.is_connected:
            return
        room = self._window - self._promised - len(self._arrived)
        if room <= 0 or (self._promised and room < self._window // 2):
            return
        reply = f"{self._inbox}.{next(self._numbers)}"
        self._requests[reply] = _Request(room, time.monotonic() + self._expires)
        self._promised += room
        request = {"batch": room, "expires": int(self._expires * 1_000_000_000)}
        await self._nc.publish(self._next_subject, orjson.dumps(request), reply=reply)

    def _forget_ended(self) -> None:
        """Forget the requests past their expiry: a request that brought all it asked for
        ends with no status, and one the server lost never sends one."""
        now = time.monotonic()
        forgot = False
        # Oldest first: asked for with one expiry each, they expire in the order asked.
        while self._requests:
            reply, request = next(iter(self._requests.items()))
            if now <= request.expires_at + LOST_AFTER_SECONDS:
                break
            del self._requests[reply]
            forgot = True
        if forgot:  # no more than the open requests asked for is still owed
            self._promised = min(self._promised, sum(r.asked for r in self._requests.values()))

    async def _on_message(self, message: Msg) -> None:
        headers = message.headers
        status = headers.get(Header.STATUS) if headers else None
        if status is None:
            self._arrived.append(message)
            self._promised = max(0, self._promised - 1)
            if self._waiter is not None and not self._waiter.done():
                self._waiter.set_result(None)
            return
        if status not in _ENDS_REQUEST:
            return  # 100 (idle heartbeat, flow control) needs no answer: none is asked for
        if self._requests.pop(message.subject, None) is None:
            return  # one given up as lost, ending after all
        assert headers is not None
        left = int(headers.get(PENDING_MESSAGES, "0"))
        self._promised = max(0, self._promised - left) if self._requests else 0
        if status == StatusCode.REQUEST_TIMEOUT:
            await self._top_up()
        # Otherwise asking again at once could spin (a deleted consumer answers every
        # request so): the next idle turn of take() asks.


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
