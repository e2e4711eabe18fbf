"""The load: kiosks tapping cards and cooks working tickets, all through the gateway.

Every order carries an Idempotency-Key and is retried, as a kiosk would, on 502/503/504 and
on connection errors until a deadline. A share of the orders is cancelled, a share is both
cancelled and cooked at once (the race the kitchen arbitrates), the rest are cooked. Every
attempt and every 2xx is recorded, for the checker.

Each call signs in as whoever makes it in the cafeteria: payroll opens the accounts, the
kitchen staff put menus up and work the tickets, kiosks (two devices, taking turns) place
and cancel the orders.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp

from erestaurant.identity.local import KIOSKS
from erestaurant.identity.signin import KITCHEN, PAYROLL, kiosk_grant
from erestaurant.platform.oauth_client import Grant, TokenClient

Fate = Literal["cook", "cancel", "race"]
FATES: tuple[Fate, ...] = ("cook", "cancel", "race")
# 429: the gateway's rate limit; a kiosk waits as Retry-After says, like for a 503.
RETRYABLE = frozenset({429, 502, 503, 504})
REQUEST_SECONDS = 10.0


class GaveUp(Exception):
    """A step did not succeed before its deadline, however often it was retried."""


@dataclass(frozen=True)
class Plan:
    key: str
    card: str
    menu_id: int
    qty: int
    fate: Fate
    tap_twice: bool  # send the same order again after it was accepted
    kiosk: str = KIOSKS[0].client_id  # the device it is placed (and cancelled) at

    @property
    def at_kiosk(self) -> Grant:
        return kiosk_grant(self.kiosk)


@dataclass
class Record:
    plan: Plan
    attempts: int = 0
    order_ids: list[str] = field(default_factory=list)  # one per 2xx, replays included
    amount: int | None = None
    refused: str | None = None  # the error code of a definitive refusal (SOLD_OUT, ...)
    cancelled: bool = False  # the cancel was answered 200
    cooked: bool = False  # COOKED was answered 200
    kitchen_said: str | None = None  # a 409 from the kitchen side (the race lost)
    gave_up: str | None = None

    @property
    def acknowledged(self) -> bool:
        return bool(self.order_ids)

    @property
    def order_id(self) -> str:
        return self.order_ids[0]


@dataclass
class Menus:
    plenty: list[int]
    scarce: int


@dataclass
class Kiosks:
    gateway: str
    issuer: str
    concurrency: int = 24
    step_seconds: float = 240.0
    seed: int = 7
    server_errors: list[str] = field(default_factory=list)
    _http: aiohttp.ClientSession | None = None
    _tokens: TokenClient | None = None

    # -- setting the day up ---------------------------------------------------------------------

    async def open_day(self, employees: int, orders: int) -> tuple[list[str], Menus]:
        """Payroll accounts and today's menus: plenty of most, one dish that sells out."""
        run = uuid.uuid4().hex[:6]
        cards = [f"F{run}{n:04d}" for n in range(employees)]
        for card in cards:
            await self._call(
                "POST",
                "/payments/employees",
                {"employeeCardNo": card, "name": f"Employee {card}"},
                PAYROLL,
                ok={200, 201},
            )
        plenty = []
        for name, price in (("Bibimbap", 6500), ("Kimchi stew", 7000), ("Bulgogi", 8000)):
            _, menu = await self._call(
                "POST",
                "/kitchens/menus",
                {"name": name, "price": price, "dailyPortions": orders * 3},
                KITCHEN,
                ok={201},
            )
            plenty.append(int(menu["menuId"]))
        _, scarce = await self._call(
            "POST",
            "/kitchens/menus",
            {"name": "Abalone porridge", "price": 15000, "dailyPortions": max(orders // 40, 3)},
            KITCHEN,
            ok={201},
        )
        return cards, Menus(plenty, int(scarce["menuId"]))

    def plans(self, count: int, cards: list[str], menus: Menus) -> list[Plan]:
        rng = random.Random(self.seed)
        run = uuid.uuid4().hex[:8]
        return [
            Plan(
                key=f"kiosk-{run}-{n}",
                card=rng.choice(cards),
                menu_id=menus.scarce if rng.random() < 0.1 else rng.choice(menus.plenty),
                qty=rng.choice((1, 1, 1, 2, 3)),
                fate=rng.choices(FATES, weights=(7, 2, 1))[0],
                tap_twice=rng.random() < 0.1,
                kiosk=KIOSKS[n % len(KIOSKS)].client_id,
            )
            for n in range(count)
        ]

    # -- the run ----------------------------------------------------------------------------------

    async def run(self, plans: list[Plan]) -> list[Record]:
        records = [Record(plan) for plan in plans]
        gate = asyncio.Semaphore(self.concurrency)

        async def one(record: Record) -> None:
            async with gate:
                try:
                    await self._serve(record)
                except GaveUp as exc:
                    record.gave_up = str(exc)

        await asyncio.gather(*(one(r) for r in records))
        return records

    async def _serve(self, record: Record) -> None:
        if not await self._place(record):
            return
        if record.plan.tap_twice:
            await self._place(record)
        fate = record.plan.fate
        if fate == "cancel":
            await self._cancel(record)
        elif fate == "cook":
            await self._cook(record)
        else:
            await asyncio.gather(self._cancel(record), self._cook(record))

    async def _place(self, record: Record) -> bool:
        plan = record.plan
        body = {"employeeCardNo": plan.card, "menuId": plan.menu_id, "qty": plan.qty}
        deadline = time.monotonic() + self.step_seconds
        while True:
            status, answer = await self._call(
                "POST",
                "/halls/orders",
                body,
                plan.at_kiosk,
                ok={201},
                final={409, 422},
                headers={"Idempotency-Key": plan.key},
                record=record,
                deadline=deadline,
            )
            if status == 201:
                record.order_ids.append(answer["orderId"])
                record.amount = int(answer["amount"])
                return True
            if answer.get("error") == "UNKNOWN_CARD" and time.monotonic() < deadline:
                await asyncio.sleep(0.2)  # the card is on its way to hall
                continue
            record.refused = str(answer.get("error"))
            return False

    async def _cancel(self, record: Record) -> None:
        status, answer = await self._call(
            "POST",
            f"/halls/orders/{record.order_id}/cancel",
            None,
            record.plan.at_kiosk,
            ok={200},
            final={409},
        )
        if status == 200:
            record.cancelled = True
        else:
            record.kitchen_said = str(answer.get("error"))

    async def _cook(self, record: Record) -> None:
        deadline = time.monotonic() + self.step_seconds
        while True:
            _, tickets = await self._call(
                "GET",
                f"/kitchens/cooks?orderId={record.order_id}",
                None,
                KITCHEN,
                ok={200},
                deadline=deadline,
            )
            if tickets:
                break
            if time.monotonic() > deadline:
                raise GaveUp(f"no ticket for order {record.order_id}")
            await asyncio.sleep(0.2)
        cook_id = tickets[0]["cookId"]
        for status in ("COOKING", "COOKED"):
            code, answer = await self._call(
                "PATCH",
                f"/kitchens/cooks/{cook_id}",
                {"status": status},
                KITCHEN,
                ok={200},
                final={409},
            )
            if code == 409:
                record.kitchen_said = str(answer.get("error"))
                return
        record.cooked = True

    # -- one call, retried as a kiosk would -------------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        signed_in: Grant,
        *,
        ok: Collection[int],
        final: Collection[int] = (),
        headers: dict[str, str] | None = None,
        record: Record | None = None,
        deadline: float | None = None,
    ) -> tuple[int, Any]:
        deadline = deadline or time.monotonic() + self.step_seconds
        pause = 0.1
        fresh = False
        while True:
            if record is not None:
                record.attempts += 1
            token = await self._token(signed_in, fresh)
            sent = {**(headers or {}), "Authorization": f"Bearer {token}"}
            try:
                async with self._session().request(
                    method, self.gateway + path, json=body, headers=sent
                ) as response:
                    status = response.status
                    answer = await response.json(content_type=None)
                    retry_after = response.headers.get("Retry-After")
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                status, answer, retry_after = 0, {"error": exc.__class__.__name__}, None
            if status in ok or status in final:
                return status, answer
            if status == 401 and not fresh:
                fresh = True  # the token lapsed in flight: sign in again, once
                continue
            fresh = False
            if status >= 500 and status not in RETRYABLE:
                self.server_errors.append(f"{method} {path} -> {status} {answer}")
            elif status and status not in RETRYABLE:
                raise GaveUp(f"{method} {path} answered {status} {answer}")
            if time.monotonic() > deadline:
                raise GaveUp(f"{method} {path}: still {status} after retrying")
            await asyncio.sleep(min(float(retry_after or pause), 2.0))
            pause = min(pause * 2, 1.0)

    async def _token(self, grant: Grant, fresh: bool) -> str:
        if self._tokens is None:
            self._tokens = TokenClient(self.issuer)
        return await self._tokens.token(grant, fresh=fresh)

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=REQUEST_SECONDS),
                connector=aiohttp.TCPConnector(limit=0),
            )
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        if self._tokens is not None:
            await self._tokens.close()
