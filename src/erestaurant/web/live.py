"""What the screens hear of the event stream, as server-sent events.

Each web process listens to every event over a plain NATS subscription (every replica
hears everything; nothing is kept for a process that was not listening) and tells each
open screen what concerns it: the kitchen display that tickets changed, a kiosk that
portions changed, an employee that one of their orders moved a step. A notice is small on
purpose: the screen then reads the state from the service that owns it, with its user's
own token, so the stream never shows anyone what they may not read. An employee's steps
travel in the notice itself, because the read model they would otherwise read from may
not have caught up yet; the screen keeps the furthest step it has seen.

Every message carries the event's id (`id:`). A browser that reconnects sends the last
one (Last-Event-ID) and gets what it missed from the events this process still keeps; if
it missed more, or reached another replica that never saw that id, it is told to resync,
which means reading everything afresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from erestaurant.contracts.envelope import Envelope, UnknownEventError
from erestaurant.platform import deadletter

log = logging.getLogger(__name__)

# How an employee's order moves, as their screen shows it; a later step never goes back.
STEPS = ("placed", "cooking", "ready", "deducted")
# How many orders' owners a process remembers, to tell an employee of a cook starting
# (the kitchen's events name the order, not the card).
OWNERS_KEPT = 20_000


@dataclass(frozen=True, slots=True)
class Notice:
    """One thing a screen is told: a topic, its small data, and whose it is if anyone's."""

    topic: str
    data: dict[str, Any]
    card: str | None = None


@dataclass(slots=True)
class Heard:
    """One event, as the screens are told of it."""

    event_id: str
    event_type: str
    notices: tuple[Notice, ...]
    heard_at: float = field(default_factory=time.monotonic)


def _ticket(kind: str, p: dict[str, Any]) -> dict[str, Any]:
    return {"cookId": p.get("cookId"), "orderId": p.get("orderId"), "change": kind}


def _step(order_id: object, step: str) -> dict[str, Any]:
    return {"orderId": order_id, "step": step}


def notices_of(envelope: Envelope, owners: OrderedDict[str, str]) -> tuple[Notice, ...]:
    """What the screens are told of one event (``owners``: order id -> card, kept up)."""
    kind, p = envelope.event_type, envelope.payload
    order_id, card = p.get("orderId"), p.get("employeeCardNo")
    if isinstance(order_id, str) and isinstance(card, str):
        owners[order_id] = card
        owners.move_to_end(order_id)
        while len(owners) > OWNERS_KEPT:
            owners.popitem(last=False)
    elif isinstance(order_id, str):
        card = owners.get(order_id)
    found: list[Notice] = []
    if kind in ("CookReceived", "CookStarted", "Cooked", "CookCancelled"):
        found.append(Notice("tickets", _ticket(kind, p)))
    if kind in ("OrderPlaced", "OrderCancelled", "CookCancelled", "MenuChanged", "MenuRegistered"):
        found.append(Notice("menus", {"menuId": p.get("menuId")}))
    step = {
        "OrderPlaced": "placed",
        "CookStarted": "cooking",
        "OrderCompleted": "ready",
        "PaymentDeducted": "deducted",
        "OrderCancelled": "cancelled",
    }.get(kind)
    if step is not None and card is not None:
        found.append(Notice("order", _step(order_id, step), card))
    if kind in ("PaymentDeducted", "PaymentCancelled") and card is not None:
        found.append(Notice("payments", {"orderId": order_id}, card))
    if kind in ("EmployeeRegistered", "EmployeeDeactivated", "PaymentDeducted"):
        found.append(Notice("payroll", {"employeeCardNo": card}))
    found.append(Notice("events", {"type": kind, "at": envelope.occurred_at.isoformat()}))
    return tuple(found)


@dataclass(eq=False)  # each listener is itself, kept in a set
class _Listener:
    queue: asyncio.Queue[Heard | None] = field(default_factory=lambda: asyncio.Queue(1000))
    overflowed: bool = False


class Hub:
    """The events this process heard, kept for replay, and the screens listening now."""

    def __init__(self, keep: int) -> None:
        self._kept: deque[Heard] = deque(maxlen=keep)  # maxlen 0: nothing kept, no replay
        self._listeners: set[_Listener] = set()
        self._owners: OrderedDict[str, str] = OrderedDict()
        self.heard = 0
        self.closed = False

    async def hear(self, subject: str, data: bytes) -> None:
        """The NATS listener: one published event."""
        if subject.startswith(deadletter.SUBJECT):
            return  # an event set aside again, not news
        try:
            envelope = Envelope.from_json(data)
        except UnknownEventError:
            return  # a dead letter's wrapper or a newer event: no screen needs it
        heard = Heard(envelope.event_id, envelope.event_type, notices_of(envelope, self._owners))
        self.heard += 1
        self._kept.append(heard)
        for listener in self._listeners:
            try:
                listener.queue.put_nowait(heard)
            except asyncio.QueueFull:
                listener.overflowed = True  # that screen will be told to resync

    def owner(self, order_id: str) -> str | None:
        return self._owners.get(order_id)

    def since_start(self) -> list[Heard]:
        """Every event kept."""
        return list(self._kept)

    def recent(self, seconds: float) -> list[Heard]:
        """The events kept that were heard in the last ``seconds``."""
        since = time.monotonic() - seconds
        return [heard for heard in self.since_start() if heard.heard_at >= since]

    def since(self, event_id: str) -> list[Heard] | None:
        """The events kept after ``event_id``; None if it is not among them."""
        kept = list(self._kept)
        for index, heard in enumerate(kept):
            if heard.event_id == event_id:
                return kept[index + 1 :]
        return None

    @contextlib.contextmanager
    def listening(self) -> Iterator[_Listener]:
        listener = _Listener()
        self._listeners.add(listener)
        try:
            yield listener
        finally:
            self._listeners.discard(listener)

    def close(self) -> None:
        """Shutdown: every open stream ends, so that a rolling restart does not wait on it."""
        self.closed = True
        for listener in self._listeners:
            with contextlib.suppress(asyncio.QueueFull):
                listener.queue.put_nowait(None)

    @property
    def listening_now(self) -> int:
        return len(self._listeners)


Wanted = Callable[[Notice], bool]


def message(event: str, data: object, event_id: str | None = None) -> bytes:
    """One server-sent event."""
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {event}\ndata: ".encode() + orjson.dumps(data) + b"\n\n"


async def stream(
    hub: Hub,
    wanted: Wanted,
    last_event_id: str | None,
    *,
    until: float,
    heartbeat: float,
    stopping: Callable[[], bool],
    recent_seconds: float = 0.0,
) -> AsyncIterator[bytes]:
    """The server-sent events of one screen, until ``until`` (its token's expiry: the
    browser reconnects through the gateway, which renews the session) or shutdown."""
    with hub.listening() as listener:
        # Two seconds between reconnects; the browser sends Last-Event-ID with them.
        yield b"retry: 2000\n\n"
        if last_event_id:
            missed = hub.since(last_event_id)
            if missed is None:
                yield message("resync", {"reason": "missed"})
            else:
                for heard in missed:
                    for chunk in _told(heard, wanted):
                        yield chunk
        elif recent_seconds:
            # A page just opened read a view that may lag the events by a moment: what it
            # would have been told of lately comes first (an order placed a second ago).
            for heard in hub.recent(recent_seconds):
                for chunk in _told(heard, wanted):
                    yield chunk
        last_beat = time.monotonic()
        while not stopping() and not hub.closed and time.time() < until:
            try:
                next_heard: Heard | None = await asyncio.wait_for(listener.queue.get(), 1.0)
            except TimeoutError:
                if time.monotonic() - last_beat >= heartbeat:
                    last_beat = time.monotonic()
                    yield b": still here\n\n"
                continue
            if next_heard is None:
                break
            if listener.overflowed:
                listener.overflowed = False
                yield message("resync", {"reason": "too many events at once"})
            for chunk in _told(next_heard, wanted):
                yield chunk
        # A clean end: the browser's EventSource reconnects, to another replica if need be.
        yield message("bye", {"reconnect": True})


def _told(heard: Heard, wanted: Wanted) -> Iterable[bytes]:
    for notice in heard.notices:
        if wanted(notice):
            yield message(notice.topic, notice.data, heard.event_id)
