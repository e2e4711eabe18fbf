"""Hall's kitchen client against a real HTTP server playing a kitchen that fails in ways."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from erestaurant.hall.kitchen_client import (
    KitchenBusy,
    KitchenCircuit,
    KitchenClient,
    KitchenRefused,
    KitchenUnavailable,
)

pytestmark = pytest.mark.integration

RESERVED = {"orderId": "o-1", "menuId": 1, "menuName": "Bibimbap", "qty": 1, "amount": 6500}


@dataclass
class FakeKitchen:
    """A kitchen whose answer the test sets: ok, broken, slow, busy or sold out."""

    mode: str = "ok"
    calls: int = 0
    url: str = ""
    runner: web.AppRunner | None = field(default=None, repr=False)
    tokens_seen: list[str] = field(default_factory=list)

    async def reserve(self, request: web.Request) -> web.Response:
        self.calls += 1
        self.tokens_seen.append(request.headers.get("Authorization", ""))
        if self.mode == "rotated keys" and self.tokens_seen[-1] != "Bearer t-2":
            return web.json_response({"error": "UNAUTHENTICATED", "message": "kid?"}, status=401)
        if self.mode == "broken":
            return web.json_response({"error": "INTERNAL_ERROR"}, status=500)
        if self.mode == "slow":
            await asyncio.sleep(2.0)
        if self.mode == "busy":
            return web.json_response(
                {"error": "KITCHEN_BUSY", "message": "at capacity"},
                status=503,
                headers={"Retry-After": "7"},
            )
        if self.mode == "sold out":
            return web.json_response({"error": "SOLD_OUT", "message": "none left"}, status=409)
        return web.json_response(RESERVED, status=201)


@pytest.fixture
async def kitchen() -> AsyncIterator[FakeKitchen]:
    fake = FakeKitchen()
    app = web.Application()
    app.router.add_post("/kitchens/reservations", fake.reserve)
    fake.runner = web.AppRunner(app)
    await fake.runner.setup()
    site = web.TCPSite(fake.runner, "127.0.0.1", 0)
    await site.start()
    port = fake.runner.addresses[0][1]
    fake.url = f"http://127.0.0.1:{port}"
    yield fake
    await fake.runner.cleanup()


class Tokens:
    """Hall's tokens: t-1 until a fresh one is asked for, then t-2."""

    def __init__(self) -> None:
        self.issued = 1

    async def __call__(self, fresh: bool) -> str:
        self.issued += fresh
        return f"t-{self.issued}"


@pytest.fixture
async def client(kitchen: FakeKitchen) -> AsyncIterator[KitchenClient]:
    circuit = KitchenCircuit(failures=3, cooldown_seconds=0.5)
    client = KitchenClient(
        kitchen.url, timeout_seconds=0.5, retries=1, circuit=circuit, token=Tokens()
    )
    yield client
    await client.close()


async def test_every_call_carries_halls_token_and_a_refused_one_is_renewed_once(
    kitchen: FakeKitchen, client: KitchenClient
) -> None:
    await client.reserve("o-1", 1, 1)
    assert kitchen.tokens_seen == ["Bearer t-1"]
    kitchen.mode = "rotated keys"  # the kitchen no longer takes t-1
    reserved = await client.reserve("o-1", 1, 1)
    assert reserved.amount == 6500
    assert kitchen.tokens_seen[1:] == ["Bearer t-1", "Bearer t-2"]
    assert client.circuit.state == "closed"


async def test_the_circuit_opens_after_failures_in_a_row_and_answers_at_once(
    kitchen: FakeKitchen, client: KitchenClient
) -> None:
    kitchen.mode = "broken"
    for _ in range(3):
        with pytest.raises(KitchenUnavailable, match="answered 500"):
            await client.reserve("o-1", 1, 1)
    assert client.circuit.state == "opened"
    calls = kitchen.calls
    with pytest.raises(KitchenUnavailable, match="circuit is open") as refused:
        await client.reserve("o-1", 1, 1)
    assert kitchen.calls == calls  # the kitchen was not even asked
    assert refused.value.retry_after == 1


async def test_after_its_cooldown_one_trial_call_closes_the_circuit(
    kitchen: FakeKitchen, client: KitchenClient
) -> None:
    kitchen.mode = "broken"
    for _ in range(3):
        with pytest.raises(KitchenUnavailable):
            await client.reserve("o-1", 1, 1)
    kitchen.mode = "ok"
    await asyncio.sleep(0.6)
    reserved = await client.reserve("o-1", 1, 1)
    assert reserved.amount == 6500
    assert client.circuit.state == "closed"


async def test_a_timeout_is_tried_again_once_because_the_call_is_idempotent(
    kitchen: FakeKitchen, client: KitchenClient
) -> None:
    kitchen.mode = "slow"
    with pytest.raises(KitchenUnavailable, match="did not answer"):
        await client.reserve("o-1", 1, 1)
    assert kitchen.calls == 2
    assert client.circuit.state == "closed"  # one failure so far, of three


async def test_refusals_and_a_busy_kitchen_are_answers_not_failures(
    kitchen: FakeKitchen, client: KitchenClient
) -> None:
    kitchen.mode = "sold out"
    for _ in range(5):
        with pytest.raises(KitchenRefused):
            await client.reserve("o-1", 1, 1)
    kitchen.mode = "busy"
    for _ in range(5):
        with pytest.raises(KitchenBusy) as busy:
            await client.reserve("o-1", 1, 1)
    assert busy.value.retry_after == 7
    assert kitchen.calls == 10  # a busy kitchen is not asked twice per order either
    assert client.circuit.state == "closed"
