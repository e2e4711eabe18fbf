"""Hall's answers over HTTP: every refusal a route can meet, with its status, code,
message, details and headers (docs/contract.md), on a fake unit of work and kitchen."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import Depends

from erestaurant.contracts.statuses import OrderStatus
from erestaurant.hall import api, handlers, pins
from erestaurant.hall.kitchen_client import (
    KitchenBusy,
    KitchenCall,
    KitchenRefused,
    Reserved,
    Unauthorized,
)
from erestaurant.platform.access import Principal, Role
from erestaurant.platform.security import Access
from erestaurant.platform.web import answer_errors, create_app

from .conftest import FrozenClock
from .fakes import deliver
from .fakes.hall import FakeHallUnitOfWork, FakeKitchen
from .samples import CARD, PIN, employee_deactivated, employee_pin_set, employee_registered

KIOSK = Principal("kiosk-1", "kiosk-1", frozenset({Role.KIOSK}), None, frozenset({"hall"}))
OTHER_KIOSK = Principal("kiosk-2", "kiosk-2", frozenset({Role.KIOSK}), None, frozenset({"hall"}))
TAP = {"employeeCardNo": CARD, "menuId": 1, "qty": 2}


class Signed(Access):
    """Lets every request in as the principal the test says (tokens are checked elsewhere)."""

    def __init__(self) -> None:
        self.who = KIOSK

    def allow(self, *roles: Role) -> Any:
        async def principal() -> Principal:
            return self.who

        return Depends(principal)


class Kitchen(FakeKitchen):
    """The fake kitchen, or one that fails every call with ``failure`` (made per call)."""

    def __init__(self) -> None:
        super().__init__()
        self.failure: Callable[[KitchenCall], Exception] | None = None

    async def reserve(self, order_id: str, menu_id: int, qty: int) -> Reserved:
        if self.failure is not None:
            raise self.failure("reserve")
        return await super().reserve(order_id, menu_id, qty)

    async def cancel(self, order_id: str) -> None:
        if self.failure is not None:
            raise self.failure("cancel")
        await super().cancel(order_id)


def busy(call: KitchenCall) -> Exception:
    return KitchenBusy("at capacity", 7, call=call)


def refused_token(call: KitchenCall) -> Exception:
    return Unauthorized("kitchen refused hall's token: kid?", call=call)


def mismatch(call: KitchenCall) -> Exception:
    return KitchenRefused("RESERVATION_MISMATCH", "")


@pytest.fixture
def kitchen() -> Kitchen:
    return Kitchen()


@pytest.fixture
def access() -> Signed:
    return Signed()


@pytest.fixture
async def uow(hall_uow: FakeHallUnitOfWork) -> FakeHallUnitOfWork:
    await deliver(handlers.learn_card, employee_registered(), hall_uow)
    return hall_uow


def client_of(
    uow: FakeHallUnitOfWork, kitchen: Kitchen, access: Signed, *, with_pins: bool
) -> httpx.AsyncClient:
    app = create_app("hall")
    answer_errors(app, api.ERRORS)
    app.include_router(
        api.router(lambda: uow, kitchen, access, pins.matches if with_pins else None)
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://hall.test")


@pytest.fixture
async def http(
    uow: FakeHallUnitOfWork, kitchen: Kitchen, access: Signed
) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(uow, kitchen, access, with_pins=False) as client:
        yield client


@pytest.fixture
async def pin_http(
    uow: FakeHallUnitOfWork, kitchen: Kitchen, access: Signed
) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(uow, kitchen, access, with_pins=True) as client:
        yield client


def answer(response: httpx.Response) -> tuple[int, dict[str, Any], str | None]:
    return response.status_code, response.json(), response.headers.get("Retry-After")


async def place(http: httpx.AsyncClient, **body: Any) -> httpx.Response:
    headers = {"Idempotency-Key": body.pop("key")} if "key" in body else {}
    return await http.post("/halls/orders", json=TAP | body, headers=headers)


# -- placing ---------------------------------------------------------------------------------


async def test_an_order_is_answered_201_and_its_replay_says_so(http: httpx.AsyncClient) -> None:
    first = await place(http, key="tap-1")
    assert first.status_code == 201
    assert first.json()["status"] == OrderStatus.ORDERED
    assert (first.json()["amount"], "Idempotent-Replayed" in first.headers) == (14000, False)
    again = await place(http, key="tap-1")
    assert (again.status_code, again.headers["Idempotent-Replayed"]) == (201, "true")
    assert again.json() == first.json()


async def test_an_unknown_card(http: httpx.AsyncClient) -> None:
    assert answer(await place(http, employeeCardNo="E9999")) == (
        422,
        {
            "error": "UNKNOWN_CARD",
            "message": "card E9999 is not registered for payroll",
            "employeeCardNo": "E9999",
        },
        None,
    )


async def test_a_deactivated_card(http: httpx.AsyncClient, uow: FakeHallUnitOfWork) -> None:
    await deliver(handlers.learn_card_deactivated, employee_deactivated(), uow)
    assert answer(await place(http)) == (
        422,
        {
            "error": "CARD_DEACTIVATED",
            "message": f"card {CARD} is deactivated",
            "employeeCardNo": CARD,
        },
        None,
    )


async def test_a_card_that_has_no_pin_where_kiosks_ask_for_one(
    pin_http: httpx.AsyncClient,
) -> None:
    assert answer(await place(pin_http, pin=PIN)) == (
        422,
        {"error": "PIN_NOT_SET", "message": f"card {CARD} has no PIN yet"},
        None,
    )


async def test_no_pin_a_wrong_pin_and_a_locked_card(
    pin_http: httpx.AsyncClient, uow: FakeHallUnitOfWork, frozen_clock: FrozenClock
) -> None:
    await deliver(handlers.learn_pin, employee_pin_set(), uow)
    assert answer(await place(pin_http)) == (
        422,
        {"error": "PIN_REQUIRED", "message": "this kiosk asks for the employee's PIN"},
        None,
    )
    assert answer(await place(pin_http, pin="0000")) == (
        422,
        {
            "error": "WRONG_PIN",
            "message": f"wrong PIN for card {CARD}: 4 tries left",
            "triesLeft": 4,
        },
        None,
    )
    for _ in range(3):
        await place(pin_http, pin="0000")
    assert answer(await place(pin_http, pin="0000")) == (
        422,
        {
            "error": "WRONG_PIN",
            "message": f"wrong PIN for card {CARD}: the card is locked for a while",
            "triesLeft": 0,
        },
        None,
    )
    frozen_clock.advance(minutes=1, seconds=0.5)
    assert answer(await place(pin_http, pin=PIN)) == (
        429,
        {"error": "PIN_LOCKED", "message": f"card {CARD} is locked after 5 wrong PINs"},
        "240",  # counted when answered
    )


async def test_a_key_reused_for_another_meal(http: httpx.AsyncClient) -> None:
    await place(http, key="tap-1")
    assert answer(await place(http, key="tap-1", qty=3)) == (
        422,
        {
            "error": "IDEMPOTENCY_KEY_REUSED",
            "message": "this Idempotency-Key was used for another order",
        },
        None,
    )


async def test_the_kitchens_refusals(http: httpx.AsyncClient, kitchen: Kitchen) -> None:
    kitchen.portions[1] = 1
    assert answer(await place(http)) == (
        409,
        {"error": "SOLD_OUT", "message": "only 1 portion(s) left today"},
        None,
    )
    assert answer(await place(http, menuId=2)) == (
        409,
        {"error": "NOT_ON_MENU", "message": "menu 2 is not on the menu"},
        None,
    )
    kitchen.failure = mismatch  # another code, and no message: the code says it
    assert answer(await place(http)) == (
        409,
        {"error": "RESERVATION_MISMATCH", "message": "RESERVATION_MISMATCH"},
        None,
    )


async def test_a_busy_kitchen_pauses_orders(http: httpx.AsyncClient, kitchen: Kitchen) -> None:
    kitchen.failure = busy
    assert answer(await place(http)) == (
        503,
        {"error": "KITCHEN_BUSY", "message": "orders are paused: at capacity"},
        "7",
    )


async def test_an_unreachable_kitchen_pauses_orders(
    http: httpx.AsyncClient, kitchen: Kitchen
) -> None:
    kitchen.down = True
    assert answer(await place(http)) == (
        503,
        {
            "error": "KITCHEN_UNAVAILABLE",
            "message": "orders are paused: kitchen did not answer: TimeoutError",
        },
        "2",
    )
    kitchen.down, kitchen.failure = False, refused_token
    assert answer(await place(http)) == (
        503,
        {
            "error": "KITCHEN_UNAVAILABLE",
            "message": "orders are paused: kitchen refused hall's token: kid?",
        },
        "2",
    )


# -- looking up and cancelling ---------------------------------------------------------------


async def test_an_order_is_found_by_whoever_placed_it_only(
    http: httpx.AsyncClient, access: Signed
) -> None:
    order_id = (await place(http)).json()["orderId"]
    assert (await http.get(f"/halls/orders/{order_id}")).json()["orderId"] == order_id
    access.who = OTHER_KIOSK
    for response in (
        await http.get(f"/halls/orders/{order_id}"),
        await http.post(f"/halls/orders/{order_id}/cancel"),
    ):
        assert answer(response) == (
            404,
            {"error": "NOT_FOUND", "message": f"no order {order_id}"},
            None,
        )


async def test_an_unknown_order(http: httpx.AsyncClient) -> None:
    for response in (
        await http.get("/halls/orders/nobody"),
        await http.post("/halls/orders/nobody/cancel"),
    ):
        assert answer(response) == (404, {"error": "NOT_FOUND", "message": "no order nobody"}, None)


async def test_a_cancel_is_answered_with_the_cancelled_order(http: httpx.AsyncClient) -> None:
    order_id = (await place(http)).json()["orderId"]
    cancelled = await http.post(f"/halls/orders/{order_id}/cancel")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, OrderStatus.CANCELLED)


async def test_a_cancel_after_cooking_started(
    http: httpx.AsyncClient, uow: FakeHallUnitOfWork, kitchen: Kitchen
) -> None:
    heard, not_heard = [(await place(http)).json()["orderId"] for _ in range(2)]
    uow.orders.rows[heard].status = OrderStatus.COOKING
    assert answer(await http.post(f"/halls/orders/{heard}/cancel")) == (
        409,
        {"error": "COOKING_STARTED", "message": "the order is already COOKING"},
        None,
    )
    kitchen.cooking.add(not_heard)  # hall has not heard CookStarted yet: the kitchen says
    assert answer(await http.post(f"/halls/orders/{not_heard}/cancel")) == (
        409,
        {"error": "COOKING_STARTED", "message": "the ticket is already COOKING"},
        None,
    )


async def test_a_cancel_the_kitchen_knows_nothing_of(
    http: httpx.AsyncClient, kitchen: Kitchen
) -> None:
    order_id = (await place(http)).json()["orderId"]
    kitchen.reservations.clear()
    assert answer(await http.post(f"/halls/orders/{order_id}/cancel")) == (
        409,
        {"error": "NOT_FOUND", "message": f"no reservation for order {order_id}"},
        None,
    )


async def test_a_cancel_while_the_kitchen_cannot_answer(
    http: httpx.AsyncClient, kitchen: Kitchen
) -> None:
    order_id = (await place(http)).json()["orderId"]
    kitchen.down = True
    assert answer(await http.post(f"/halls/orders/{order_id}/cancel")) == (
        503,
        {
            "error": "KITCHEN_UNAVAILABLE",
            "message": "cannot cancel now: kitchen did not answer: TimeoutError",
        },
        "2",
    )
    kitchen.down, kitchen.failure = False, busy  # busy is for new orders: here, unavailable
    assert answer(await http.post(f"/halls/orders/{order_id}/cancel")) == (
        503,
        {"error": "KITCHEN_UNAVAILABLE", "message": "cannot cancel now: at capacity"},
        "7",
    )
