"""The faults, each injected into real processes while the kiosks keep ordering.

A fault runs until told to stop, then heals (a frozen process is thawed). ``actions``
counts what it did (kills, restarts, events replayed, poison published); ``poison`` holds
the bytes of each poison message it published (each one unique), with the consumers that
must set it aside, so the checker can tell poison from a real event that was wrongly
dead-lettered. Bytes, not sequences: a publish can reach the stream while its
acknowledgement is lost to a broker that died a moment later (in the storm).
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import dataclasses
import random
import signal
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import nats
from nats.js import JetStreamContext

from erestaurant.contracts import CATALOG, Cooked, Envelope, UnknownEventError, decode
from erestaurant.faults.system import LocalSystem
from erestaurant.services import NAMES

STREAM = "ERESTAURANT"


@dataclass
class Fault:
    name: str = "none"
    description: str = "no fault: the baseline"
    pace: tuple[float, float] = (5.0, 15.0)
    orders: int = 300
    env: dict[str, str] = field(default_factory=dict)
    actions: int = 0
    skipped: int = 0  # strikes that found their target down (killed, not yet restarted)
    poison: dict[bytes, set[str]] = field(default_factory=dict)
    rng: random.Random = field(default_factory=lambda: random.Random(11))

    async def run(self, system: LocalSystem, stop: asyncio.Event) -> None:
        await stop.wait()

    async def heal(self, system: LocalSystem) -> None:
        """Leave every process able to run (nothing frozen)."""

    async def pause(self, stop: asyncio.Event) -> bool:
        """Wait one random interval of the pace; False once told to stop."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), self.rng.uniform(*self.pace))
        return not stop.is_set()


@dataclass
class Strike(Fault):
    """At every strike, send ``sig`` to one of ``targets``, drawn at random; a strike that
    finds its target down (the runner waiting out its restart backoff) is skipped, so that
    ``actions`` counts processes that were running when struck."""

    targets: tuple[str, ...] = NAMES
    sig: signal.Signals = signal.SIGKILL

    async def run(self, system: LocalSystem, stop: asyncio.Event) -> None:
        while await self.pause(stop):
            if system.signal(self.rng.choice(self.targets), self.sig):
                self.actions += 1
            else:
                self.skipped += 1


@dataclass
class KillServices(Strike):
    name: str = "kill"
    description: str = "kill -9 of a random service (its relay and consumer with it)"


@dataclass
class RestartServices(Strike):
    name: str = "sigterm"
    description: str = "SIGTERM of a random service: a graceful stop, then a restart"
    sig: signal.Signals = signal.SIGTERM


@dataclass
class RestartBroker(Strike):
    name: str = "broker"
    description: str = "kill -9 of nats-server, restarted on its store"
    targets: tuple[str, ...] = ("nats",)


@dataclass
class FreezePayment(Fault):
    name: str = "freeze"
    description: str = "payment frozen (SIGSTOP) for most of the run, then thawed"

    async def run(self, system: LocalSystem, stop: asyncio.Event) -> None:
        if not await self.pause(stop):
            return
        system.signal("payment", signal.SIGSTOP)
        self.actions += 1
        await stop.wait()  # frozen until the load is over: payment catches up afterwards
        await self.heal(system)

    async def heal(self, system: LocalSystem) -> None:
        system.signal("payment", signal.SIGCONT)


@dataclass
class Publish(Fault, abc.ABC):
    """At every strike, publish something on the stream (``strike``); a strike that meets
    the broker down (in the storm) is skipped."""

    async def run(self, system: LocalSystem, stop: asyncio.Event) -> None:
        async with _jetstream(system.nats_url) as js:
            while await self.pause(stop):
                try:
                    await self.strike(js)
                except BROKER_TROUBLE:
                    self.skipped += 1

    @abc.abstractmethod
    async def strike(self, js: JetStreamContext) -> None:
        """What this fault publishes at one strike."""


@dataclass
class ReplayEvents(Publish):
    name: str = "replay"
    description: str = (
        "stored events published again: with their own Nats-Msg-Id (inside the duplicate"
        " window), with a new one (as after it), and batches in reverse order"
    )

    async def strike(self, js: JetStreamContext) -> None:
        last = (await js.stream_info(STREAM)).state.last_seq
        if last < 2:
            return
        window = sorted(self.rng.sample(range(max(1, last - 200), last + 1), k=min(20, last)))
        for seq in reversed(window):  # newest first: the older events now arrive late
            with contextlib.suppress(nats.js.errors.NotFoundError):
                msg = await js.get_msg(STREAM, seq)
                if msg.subject is None or not _readable(msg.data or b""):
                    continue  # dead letters and poison are not events to replay
                same_id = (msg.headers or {}).get("Nats-Msg-Id", "")
                fresh = f"replayed-{uuid.uuid4().hex}"
                for msg_id in (same_id, fresh) if same_id else (fresh,):
                    await js.publish(msg.subject, msg.data or b"", headers={"Nats-Msg-Id": msg_id})
                    self.actions += 1


# What a client sees of a broker that is down or restarting.
BROKER_TROUBLE = (nats.errors.Error, TimeoutError, OSError)


@contextlib.asynccontextmanager
async def _jetstream(url: str) -> AsyncIterator[JetStreamContext]:
    nc = await nats.connect(
        url, max_reconnect_attempts=-1, reconnect_time_wait=0.5, error_cb=_expected
    )
    try:
        yield nc.jetstream()
    finally:
        # Closing flushes; with the broker down on purpose that may fail, and nothing is lost.
        with contextlib.suppress(*BROKER_TROUBLE):
            await nc.close()


async def _expected(exc: Exception) -> None:
    """The broker is down on purpose: the client reconnects, nothing to report."""


def _readable(data: bytes) -> bool:
    try:
        decode(Envelope.from_json(data), CATALOG)
    except UnknownEventError:
        return False
    return True


@dataclass
class Poison(Publish):
    name: str = "poison"
    description: str = "poison published: bytes that are no event, and an unknown version"

    async def strike(self, js: JetStreamContext) -> None:
        garbage = b"{half an ev " + uuid.uuid4().hex.encode()
        # Each poison is set aside by the services that follow its subject (and them only).
        self.poison[garbage] = {"kitchen", "payment", "workercenter"}
        await js.publish("erestaurant.hall.OrderPlaced", garbage)
        self.actions += 1
        future = Envelope.wrap(
            Cooked(cook_id=0, order_id=uuid.uuid4().hex, cooked_at=datetime.now(UTC)),
            occurred_at=datetime.now(UTC),
            correlation_id="poison",
            causation_id=None,
        )
        unknown = dataclasses.replace(future, version=99).to_json()
        self.poison[unknown] = {"hall", "payment", "workercenter"}
        await js.publish(Cooked.subject(), unknown)
        self.actions += 1


@dataclass
class Failpoints(Fault):
    name: str = "failpoints"
    description: str = (
        "crashes at the dangerous points: after commit before publish, after publish before"
        " marking, after a handler's commit before its ack"
    )
    # About this many crashes per point whatever the size of the run: an order passes each
    # point some twenty times (commits and handled events in five services).
    crashes_per_point: int = 10

    def __post_init__(self) -> None:
        p = min(0.01, self.crashes_per_point / (self.orders * 20))
        self.env = {
            "ERESTAURANT_FAILPOINTS": (
                f"uow.after_commit={p:.6f},relay.after_publish={p * 4:.6f},"
                f"consumer.after_commit={p:.6f}"
            )
        }

    async def run(self, system: LocalSystem, stop: asyncio.Event) -> None:
        await stop.wait()
        self.actions = system.logs().count("crashing now")


@dataclass
class Storm(Fault):
    """Kills, broker restarts, a frozen payment, replays and poison, all at once."""

    name: str = "storm"
    description: str = "all of kill, broker, freeze, replay and poison at once"
    parts: list[Fault] = field(default_factory=list)

    def __post_init__(self) -> None:
        broker_pace = (self.pace[0] * 3, self.pace[1] * 3)
        self.parts = [
            KillServices(pace=self.pace),
            RestartBroker(pace=broker_pace),
            FreezePayment(pace=self.pace),
            ReplayEvents(pace=self.pace),
            Poison(pace=self.pace),
        ]

    async def run(self, system: LocalSystem, stop: asyncio.Event) -> None:
        await asyncio.gather(*(part.run(system, stop) for part in self.parts))
        self.actions = sum(part.actions for part in self.parts)
        self.skipped = sum(part.skipped for part in self.parts)
        for part in self.parts:
            self.poison.update(part.poison)

    async def heal(self, system: LocalSystem) -> None:
        for part in self.parts:
            await part.heal(system)


FAULTS: dict[str, type[Fault]] = {
    cls().name: cls
    for cls in (
        Fault,
        KillServices,
        RestartServices,
        RestartBroker,
        FreezePayment,
        ReplayEvents,
        Poison,
        Failpoints,
        Storm,
    )
}
