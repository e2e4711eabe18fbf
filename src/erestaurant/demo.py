"""``erestaurant demo``: watch the circuit breaker, surge protection and the reservation
time-to-live work on real processes.

Each demo starts a system of its own (``erestaurant up`` on free ports, small settings so
that things happen within seconds), plays its scenario, says what it sees, and stops. The
end-to-end tests run the same scenarios and check what they saw.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

from erestaurant.faults.system import UNLIMITED, LocalSystem, running
from erestaurant.hall.handlers import PlaceOrder
from erestaurant.identity.signin import ADMIN, KIOSK, KITCHEN, PAYROLL
from erestaurant.platform.oauth_client import Grant, TokenClient

Say = Callable[[str], None]
T = TypeVar("T")

# A demo plays many kiosks through one client: the gateway's per-client rate limits
# would show themselves instead of what the demo is about.
BREAKER_ENV = {
    **UNLIMITED,
    "HALL_KITCHEN_TIMEOUT_SECONDS": "0.5",
    "HALL_BREAKER_FAILURES": "3",
    "HALL_BREAKER_COOLDOWN_SECONDS": "3",
}
SURGE_ENV = {
    **UNLIMITED,
    "KITCHEN_MAX_OPEN_ORDERS": "20",
    "KITCHEN_RESUME_FRACTION": "0.5",
    "KITCHEN_BUSY_RETRY_AFTER_SECONDS": "2",
}
TTL_ENV = {
    **UNLIMITED,
    "KITCHEN_RESERVATION_TTL_SECONDS": "3",
    "ERESTAURANT_FAILPOINTS": "hall.after_reserve=1",  # hall dies after every reservation
}


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    retry_after: str | None
    seconds: float

    @property
    def error(self) -> str | None:
        return self.body.get("error")

    def line(self) -> str:
        what = self.body.get("status") if self.status < 400 else self.error
        wait = f", Retry-After {self.retry_after}" if self.retry_after else ""
        return f"{self.status} {what} in {self.seconds * 1000:.0f} ms{wait}"


@dataclass
class Cafeteria:
    """The demo's kiosk, cook and payroll office, all through the gateway."""

    system: LocalSystem
    http: aiohttp.ClientSession
    tokens: TokenClient
    card: str = ""
    menu_id: int = 0

    async def call(
        self, method: str, path: str, body: Any = None, as_: Grant = KIOSK, **headers: str
    ) -> Answer:
        started = time.monotonic()
        headers["Authorization"] = f"Bearer {await self.tokens.token(as_)}"
        try:
            async with self.http.request(
                method, self.system.gateway + path, json=body, headers=headers
            ) as response:
                answer = await response.json(content_type=None)
                return Answer(
                    response.status,
                    answer if isinstance(answer, dict) else {"list": answer},
                    response.headers.get("Retry-After"),
                    time.monotonic() - started,
                )
        except (aiohttp.ClientError, TimeoutError) as exc:
            return Answer(0, {"error": exc.__class__.__name__}, None, time.monotonic() - started)

    async def open_day(self, portions: int) -> None:
        self.card = f"D{uuid.uuid4().hex[:8]}"
        await self.call(
            "POST",
            "/payments/employees",
            {"employeeCardNo": self.card, "name": "Kim Minji"},
            as_=PAYROLL,
        )
        menu = await self.call(
            "POST",
            "/kitchens/menus",
            {"name": "Bibimbap", "price": 6500, "dailyPortions": portions},
            as_=KITCHEN,
        )
        self.menu_id = int(menu.body["menuId"])

    async def order(self, key: str | None = None) -> Answer:
        headers = {"Idempotency-Key": key} if key else {}
        body = {"employeeCardNo": self.card, "menuId": self.menu_id}
        return await self.call("POST", "/halls/orders", body, KIOSK, **headers)

    async def order_once_hall_knows_the_card(self, key: str | None = None) -> Answer:
        """The card travels to hall by event: until it is there, hall says UNKNOWN_CARD."""
        return await _until(lambda: self.order(key), lambda a: a.error != "UNKNOWN_CARD")

    async def readiness(self, service: str) -> dict[str, Any]:
        async with self.http.get(f"{self.system.url(service)}/health/ready") as response:
            return dict(await response.json())

    async def remaining(self) -> int:
        menus = (await self.call("GET", "/kitchens/menus")).body["list"]
        return int(next(m["remaining"] for m in menus if m["menuId"] == self.menu_id))

    async def cook(self, order_id: str) -> None:
        found = await _until(
            lambda: self.call("GET", f"/kitchens/cooks?orderId={order_id}", as_=KITCHEN),
            lambda answer: bool(answer.body["list"]),
        )
        tickets = found.body["list"]
        for status in ("COOKING", "COOKED"):
            await self.call(
                "PATCH", f"/kitchens/cooks/{tickets[0]['cookId']}", {"status": status}, as_=KITCHEN
            )


async def _until(
    read: Callable[[], Awaitable[T]],
    done: Callable[[T], bool],
    pause: float = 0.1,
    seconds: float = 120.0,
) -> T:
    """Ask again until the answer is the one awaited; a demo never waits forever."""
    deadline = time.monotonic() + seconds
    while True:
        value = await read()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"still {value!r} after {seconds:.0f} s")
        await asyncio.sleep(pause)


# -- the circuit breaker --------------------------------------------------------------------


@dataclass
class BreakerSeen:
    while_frozen: list[Answer]
    circuit_while_frozen: str
    failures_to_open: int
    resumed_after_seconds: float
    circuit_after: str


async def breaker(system: LocalSystem, say: Say) -> BreakerSeen:
    async with _cafeteria(system, portions=100) as cafe:
        say(f"first order: {(await cafe.order_once_hall_knows_the_card()).line()}")
        system.signal("kitchen", signal.SIGSTOP)
        say("kitchen frozen (SIGSTOP): it accepts connections and never answers")
        frozen: list[Answer] = []
        for n in range(1, 7):
            frozen.append(await cafe.order())
            circuit = (await cafe.readiness("hall"))["kitchenCircuit"]
            message = frozen[-1].body.get("message")
            say(f"order {n}: {frozen[-1].line()}: {message} [circuit {circuit}]")
        opened_at = next(
            i for i, a in enumerate(frozen) if "circuit is open" in str(a.body.get("message"))
        )
        system.signal("kitchen", signal.SIGCONT)
        thawed = time.monotonic()
        say("kitchen thawed (SIGCONT); the kiosk keeps trying, as kiosks do")
        answer = await _until(cafe.order, lambda a: a.status == 201, pause=0.5)
        resumed = time.monotonic() - thawed
        after = (await cafe.readiness("hall"))["kitchenCircuit"]
        say(f"ordering resumed by itself {resumed:.1f} s after the thaw: {answer.line()}")
        say(f"circuit {after}")
        return BreakerSeen(frozen, circuit, opened_at, resumed, after)


# -- surge protection -----------------------------------------------------------------------


@dataclass
class SurgeSeen:
    answers: Counter[str]
    retry_afters: set[str]
    admission_during: str
    refused_orders_found: int
    reserved: int
    accepted_portions: int
    admission_after: str
    resumed: Answer
    accepted_ids: list[str] = field(default_factory=list)


async def surge(system: LocalSystem, say: Say, flood: int = 80) -> SurgeSeen:
    async with _cafeteria(system, portions=1000) as cafe:
        await cafe.order_once_hall_knows_the_card()  # an order the kitchen then has to cook
        say(f"{flood} orders at once against a kitchen that takes 20 open orders")
        keys = [f"flood-{uuid.uuid4().hex[:8]}" for _ in range(flood)]
        answers = await asyncio.gather(*(cafe.order(key) for key in keys))
        tally = Counter(f"{a.status} {a.error or a.body.get('status')}" for a in answers)
        ready = await cafe.readiness("kitchen")
        say(f"answers: {dict(tally)}")
        say(f"kitchen {ready['admission']} at {ready['openOrders']} open orders")
        refused = [k for k, a in zip(keys, answers, strict=True) if a.status == 503]
        found = 0
        for key in refused:  # nothing half-made: a refused order does not exist anywhere
            order_id = PlaceOrder(cafe.card, cafe.menu_id, 1, key).order_id()
            found += (await cafe.call("GET", f"/halls/orders/{order_id}", as_=ADMIN)).status != 404
        accepted = [a.body["orderId"] for a in answers if a.status == 201]
        reserved = 1000 - await cafe.remaining()
        say(f"refused orders found in hall: {found}; portions reserved: {reserved}")
        say(f"one more order while paused: {(await cafe.order()).line()}")
        say("the cook works the backlog down ...")
        received = await cafe.call("GET", "/kitchens/cooks?status=RECEIVED&limit=1000", as_=KITCHEN)
        tickets = received.body["list"]
        for ticket in tickets:
            await cafe.cook(ticket["orderId"])
        resumed = await _until(cafe.order, lambda a: a.status == 201, pause=0.2)
        after = (await cafe.readiness("kitchen"))["admission"]
        say(f"backlog cooked; ordering resumed by itself: {resumed.line()} [kitchen {after}]")
        return SurgeSeen(
            tally,
            {a.retry_after for a in answers if a.status == 503 and a.retry_after},
            ready["admission"],
            found,
            reserved,
            len(accepted) + 1,
            after,
            resumed,
            accepted,
        )


# -- the time-to-live of a reservation --------------------------------------------------------


@dataclass
class TtlSeen:
    answer: Answer
    held_after_crash: int
    released_after_seconds: float


async def reservation_ttl(system: LocalSystem, say: Say) -> TtlSeen:
    async with _cafeteria(system, portions=10) as cafe:
        answer = await cafe.order_once_hall_knows_the_card()
        crashed = time.monotonic()
        held = 10 - await cafe.remaining()
        say(f"hall died between reserving and committing: {answer.line()}; {held} portion(s) held")
        await _until(cafe.remaining, lambda left: left == 10)
        released = time.monotonic() - crashed
        say(f"the reservation expired and its portions went back after {released:.1f} s")
        return TtlSeen(answer, held, released)


# -- the command ------------------------------------------------------------------------------

DEMOS: dict[str, tuple[dict[str, str], Callable[[LocalSystem, Say], Any]]] = {
    "breaker": (BREAKER_ENV, breaker),
    "surge": (SURGE_ENV, surge),
    "ttl": (TTL_ENV, reservation_ttl),
}


def add_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "demo", help="watch the circuit breaker, surge protection or the reservation TTL work"
    )
    parser.add_argument("which", choices=sorted(DEMOS))


def run(args: argparse.Namespace) -> int:
    env, scenario = DEMOS[args.which]
    settings = ", ".join(f"{k}={v}" for k, v in env.items())
    print(f"starting e-restaurant with {settings} ...", flush=True)
    root = Path(tempfile.mkdtemp(prefix=f"erestaurant-demo-{args.which}-"))
    with running(root, env, tracebacks_allowed=True) as system:
        asyncio.run(scenario(system, lambda line: print(f"  {line}", flush=True)))
    print(f"done; its data and log are in {root}")
    return 0


class _cafeteria:
    """A cafeteria open for the day: a card registered, and a menu of ``portions``."""

    def __init__(self, system: LocalSystem, portions: int) -> None:
        self.system, self.portions = system, portions

    async def __aenter__(self) -> Cafeteria:
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        self.tokens = TokenClient(self.system.issuer)
        cafe = Cafeteria(self.system, self.http, self.tokens)
        try:
            await cafe.open_day(self.portions)
        except BaseException:
            await self.__aexit__()
            raise
        return cafe

    async def __aexit__(self, *_: object) -> None:
        await self.http.close()
        await self.tokens.close()
