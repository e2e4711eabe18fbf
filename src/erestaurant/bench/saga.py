"""The saga under load, through the gateway: employees order, the kitchen cooks (played by
the bench), payment deducts, employees read their pages.

Every call carries the access token of whoever makes it, got from the system's identity
provider as a real client would: a kiosk orders, the kitchen staff cook, payroll opens the
accounts, each employee reads their own page.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp
import nats
import orjson
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from erestaurant.bench.client import closed_loop, open_loop
from erestaurant.bench.stats import Samples
from erestaurant.contracts.base import IntegrationEvent
from erestaurant.contracts.hall import OrderCompleted
from erestaurant.contracts.notification import MealReadyMessageSent
from erestaurant.contracts.payment import PaymentDeducted
from erestaurant.faults.system import LocalSystem
from erestaurant.identity.signin import KIOSK, KITCHEN, PAYROLL, grant_for
from erestaurant.platform.access import Role
from erestaurant.platform.broker import SUBJECT_PREFIX
from erestaurant.platform.oauth_client import Grant, TokenClient

log = logging.getLogger(__name__)

EMPLOYEES = 50
COOK_BATCH = 200
# An employee's page: their latest orders, as many as a phone's screen shows.
PAGE_LIMIT = 20
# Cooking a backlog takes seconds; past this, something is wrong and the bench says what.
COOKED_WAIT_SECONDS = 120.0


@dataclass
class Cafeteria:
    """What the loads need to know of the running system, and what they saw happen."""

    system: LocalSystem
    http: aiohttp.ClientSession
    tokens: TokenClient
    cards: list[str] = field(default_factory=list)
    employees: dict[str, Grant] = field(default_factory=dict)
    menu_id: int = 0
    accepted: dict[str, float] = field(default_factory=dict)
    deducted: dict[str, float] = field(default_factory=dict)
    messaged: dict[str, float] = field(default_factory=dict)
    completed: dict[str, float] = field(default_factory=dict)
    _turn: int = 0
    _js: JetStreamContext | None = None
    _stream: str = ""

    @property
    def gateway(self) -> str:
        return self.system.gateway

    async def signed(self, grant: Grant) -> dict[str, str]:
        """The Authorization header of ``grant``'s token (renewed as it nears its end)."""
        return {"Authorization": f"Bearer {await self.tokens.token(grant)}"}

    async def open(self) -> None:
        """Employees and a menu large enough for the whole run; the hall knows the cards."""
        payroll = await self.signed(PAYROLL)
        for n in range(EMPLOYEES):
            card = f"B{uuid.uuid4().hex[:9]}"
            body = {"employeeCardNo": card, "name": f"Bench {n}"}
            async with self.http.post(
                f"{self.gateway}/payments/employees", json=body, headers=payroll
            ) as r:
                if r.status != 201:
                    raise RuntimeError(f"could not register {card}: {r.status}")
            self.cards.append(card)
            self.employees[card] = await grant_for(Role.EMPLOYEE, self.system.issuer, card=card)
        menu = {"name": "Bibimbap", "price": 6500, "dailyPortions": 100_000}
        async with self.http.post(
            f"{self.gateway}/kitchens/menus", json=menu, headers=await self.signed(KITCHEN)
        ) as r:
            self.menu_id = (await r.json())["menuId"]
        # The cards travel to hall by event: a first order of each card waits for it.
        for card in self.cards:
            for _ in range(600):
                if await self._first_order(card):
                    break
                await asyncio.sleep(0.05)
            else:
                raise RuntimeError(f"hall never heard of card {card}")

    async def _first_order(self, card: str) -> bool:
        body = {"employeeCardNo": card, "menuId": self.menu_id}
        headers = await self.signed(KIOSK)
        async with self.http.post(f"{self.gateway}/halls/orders", json=body, headers=headers) as r:
            answer = await r.json()
            if r.status == 201:
                self.accepted[answer["orderId"]] = time.perf_counter()
                return True
            if answer.get("error") != "UNKNOWN_CARD":
                raise RuntimeError(f"could not order: {r.status} {answer}")
            return False

    async def order(self) -> bool:
        """One kiosk order through the gateway."""
        self._turn += 1
        body = {
            "employeeCardNo": self.cards[self._turn % len(self.cards)],
            "menuId": self.menu_id,
        }
        headers = {"Idempotency-Key": uuid.uuid4().hex, **await self.signed(KIOSK)}
        async with self.http.post(f"{self.gateway}/halls/orders", json=body, headers=headers) as r:
            answer = await r.read()
            if r.status != 201:
                return False
        self.accepted[orjson.loads(answer)["orderId"]] = time.perf_counter()
        return True

    async def read_page(self) -> bool:
        """One employee's my-page view through the gateway."""
        self._turn += 1
        card = self.cards[self._turn % len(self.cards)]
        params = {"employeeCardNo": card, "limit": str(PAGE_LIMIT)}
        headers = await self.signed(self.employees[card])
        async with self.http.get(
            f"{self.gateway}/workercenters/mypages", params=params, headers=headers
        ) as r:
            await r.read()
            return r.status == 200

    async def page_rows(self) -> float:
        """How many orders a my-page read returns, on average over the employees: the size
        of what the reads are measured on."""
        rows = 0
        for card in self.cards:
            params = {"employeeCardNo": card, "limit": str(PAGE_LIMIT)}
            headers = await self.signed(self.employees[card])
            async with self.http.get(
                f"{self.gateway}/workercenters/mypages", params=params, headers=headers
            ) as r:
                rows += len(await r.json())
        return rows / len(self.cards)

    # -- the kitchen, played ----------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def cooking(self) -> AsyncIterator[None]:
        """Cooks who take every new ticket, start it and finish it, until told to stop."""
        stop = asyncio.Event()
        task = asyncio.create_task(self._cook(stop))
        try:
            yield
        finally:
            stop.set()
            await task

    async def _cook(self, stop: asyncio.Event) -> None:
        kitchen = self.system.url("kitchen")
        while not stop.is_set():
            params = {"status": "RECEIVED", "limit": str(COOK_BATCH)}
            headers = await self.signed(KITCHEN)
            async with self.http.get(
                f"{kitchen}/kitchens/cooks", params=params, headers=headers
            ) as r:
                tickets = await r.json() if r.status == 200 else []
                if r.status != 200:
                    log.warning("the cooks were answered %d: %s", r.status, await r.text())
            if not tickets:
                await asyncio.sleep(0.05)
                continue
            await asyncio.gather(*(self._cook_one(kitchen, t["cookId"]) for t in tickets))

    async def _cook_one(self, kitchen: str, cook_id: int) -> None:
        for status in ("COOKING", "COOKED"):
            async with self.http.patch(
                f"{kitchen}/kitchens/cooks/{cook_id}",
                json={"status": status},
                headers=await self.signed(KITCHEN),
            ) as r:
                await r.read()

    # -- the saga's last events, as they happen --------------------------------------------

    @contextlib.asynccontextmanager
    async def watching(self) -> AsyncIterator[None]:
        """Note when each order's last events go by on the broker: its deduction, the
        message to its employee, its completion in hall."""
        nc = await nats.connect(self.system.nats_url)
        self._js = nc.jetstream()
        self._stream = await self._js.find_stream_name_by_subject(PaymentDeducted.subject())

        def noting(seen: dict[str, float]) -> Callable[[Msg], Awaitable[None]]:
            async def note(message: Msg) -> None:
                order_id = orjson.loads(message.data)["payload"]["orderId"]
                seen.setdefault(order_id, time.perf_counter())

            return note

        for event, seen in self._last_events().items():
            await nc.subscribe(event.subject(SUBJECT_PREFIX), cb=noting(seen))
        try:
            yield
        finally:
            self._js = None
            await nc.drain()

    def _last_events(self) -> dict[type[IntegrationEvent], dict[str, float]]:
        return {
            PaymentDeducted: self.deducted,
            MealReadyMessageSent: self.messaged,
            OrderCompleted: self.completed,
        }

    def saga_lag(self, orders: list[str]) -> list[float]:
        """Acceptance to deduction, the saga's own end, for each order deducted."""
        return [self.deducted[o] - self.accepted[o] for o in orders if o in self.deducted]

    def finish_lag(self, orders: list[str]) -> list[float]:
        """Acceptance to the order's last event, for each order that saw all of them."""
        ends = self._last_events().values()
        return [
            max(seen[o] for seen in ends) - self.accepted[o]
            for o in orders
            if all(o in seen for seen in ends)
        ]

    async def all_deducted(self, orders: list[str], seconds: float) -> bool:
        async def deducted() -> bool:
            return all(o in self.deducted for o in orders)

        return await _until(time.perf_counter() + seconds, 0.1, deducted)

    async def all_finished(self, orders: list[str], seconds: float) -> bool:
        """Whether, within ``seconds``, every order was deducted, messaged and completed,
        and then every consumer (the view's among them) had handled every event: the
        moment an order's work is over everywhere."""
        deadline = time.perf_counter() + seconds
        ends = self._last_events().values()

        async def every_end_seen() -> bool:
            return all(o in seen for o in orders for seen in ends)

        return await _until(deadline, 0.05, every_end_seen) and await _until(
            deadline, 0.05, self._consumers_idle
        )

    async def _consumers_idle(self) -> bool:
        if self._js is None:
            raise RuntimeError("not watching the broker")
        return all(
            c.num_pending == 0 and c.num_ack_pending == 0
            for c in await self._js.consumers_info(self._stream)
        )


async def _until(deadline: float, pause: float, met: Callable[[], Awaitable[bool]]) -> bool:
    """Whether ``met()`` comes true before ``deadline`` (``time.perf_counter``), asked
    every ``pause`` seconds."""
    while not await met():
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(pause)
    return True


async def orders_at(cafe: Cafeteria, rate: float, seconds: float) -> tuple[Samples, list[str]]:
    """An open-loop load of orders; the samples and the orders it placed."""
    before = set(cafe.accepted)
    samples = await open_loop(cafe.order, rate, seconds)
    return samples, [o for o in cafe.accepted if o not in before]


async def orders_with_reads(
    cafe: Cafeteria, rate: float, readers: int, seconds: float
) -> tuple[Samples, Samples]:
    orders, reads = await asyncio.gather(
        open_loop(cafe.order, rate, seconds), closed_loop(cafe.read_page, readers, seconds)
    )
    return orders, reads


async def gateway_hop(cafe: Cafeteria, callers: int, seconds: float) -> tuple[Samples, Samples]:
    """The same read, straight to hall and through the gateway."""
    order_id = next(iter(cafe.accepted))

    def reader(base: str) -> Callable[[], Awaitable[bool]]:
        async def read() -> bool:
            headers = await cafe.signed(KIOSK)
            async with cafe.http.get(f"{base}/halls/orders/{order_id}", headers=headers) as r:
                await r.read()
                return r.status == 200

        return read

    direct = await closed_loop(reader(cafe.system.url("hall")), callers, seconds)
    through = await closed_loop(reader(cafe.gateway), callers, seconds)
    return direct, through


async def payment_catch_up(cafe: Cafeteria, backlog: int, rate: float) -> dict[str, float]:
    """Freeze payment, let ``backlog`` orders be placed and cooked, thaw it, and time how
    fast it works the backlog off (two events per order: placed and cooked)."""
    cafe.system.signal("payment", signal.SIGSTOP)
    try:
        _, orders = await orders_at(cafe, rate, backlog / rate)
        # Wait until every order is cooked, so the whole backlog is on the stream.
        kitchen = cafe.system.url("kitchen")
        deadline = time.perf_counter() + COOKED_WAIT_SECONDS
        while True:
            async with cafe.http.get(
                f"{kitchen}/kitchens/cooks",
                params={"status": "RECEIVED", "limit": "1"},
                headers=await cafe.signed(KITCHEN),
            ) as r:
                waiting = await r.json()
                if r.status != 200:
                    raise RuntimeError(f"the kitchen answered {r.status} {waiting}")
            if not waiting:
                break
            if time.perf_counter() > deadline:
                raise RuntimeError(f"tickets still waiting after {COOKED_WAIT_SECONDS:.0f}s")
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)
    finally:
        cafe.system.signal("payment", signal.SIGCONT)
    thawed = time.perf_counter()
    await cafe.all_deducted(orders, 300)
    done = [cafe.deducted[o] for o in orders if o in cafe.deducted]
    seconds = (max(done) - thawed) if done else 0.0
    return {
        "orders": len(orders),
        "deducted": len(done),
        "seconds": round(seconds, 2),
        "events_per_second": round(2 * len(done) / seconds, 1) if seconds > 0 else 0.0,
    }
