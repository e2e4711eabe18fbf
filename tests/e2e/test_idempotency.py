"""The same Idempotency-Key never makes a second order, even when retries race."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from erestaurant.platform.access import Role
from tests.e2e.conftest import System

pytestmark = pytest.mark.e2e


def test_a_retried_tap_returns_the_same_order(system: System) -> None:
    card = system.register()
    menu = system.menu(portions=5)
    first = system.order(card, menu["menuId"], qty=2, headers={"Idempotency-Key": "kiosk-7-tap-1"})
    again = system.order(card, menu["menuId"], qty=2, headers={"Idempotency-Key": "kiosk-7-tap-1"})
    assert first.status_code == 201
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    remaining = next(
        m for m in system.http.get("/kitchens/menus").json() if m["menuId"] == menu["menuId"]
    )
    assert remaining["remaining"] == 3  # reserved once, not twice
    system.cook(first.json()["orderId"])
    tickets = [
        t
        for t in system.http.get("/kitchens/cooks").json()
        if t["orderId"] == first.json()["orderId"]
    ]
    assert len(tickets) == 1


def test_the_same_key_for_another_meal_is_refused(system: System) -> None:
    card = system.register()
    menu = system.menu()
    system.order(card, menu["menuId"], headers={"Idempotency-Key": "tap-42"})
    other = system.order(card, menu["menuId"], qty=3, headers={"Idempotency-Key": "tap-42"})
    assert other.status_code == 422
    assert other.json()["error"] == "IDEMPOTENCY_KEY_REUSED"


async def test_concurrent_retries_with_one_key_make_one_order(system: System) -> None:
    card = system.register()
    menu = system.menu(portions=20)
    # Hall knows the card after this one.
    system.order(card, menu["menuId"], headers={"Idempotency-Key": "warm-up"})
    body = {"employeeCardNo": card, "menuId": menu["menuId"], "qty": 1}
    async with httpx.AsyncClient(
        auth=system.auth(Role.KIOSK), base_url=system.gateway, timeout=10
    ) as http:
        answers = await asyncio.gather(
            *(
                http.post("/halls/orders", json=body, headers={"Idempotency-Key": "double-tap"})
                for _ in range(8)
            )
        )
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["orderId"] for a in answers}) == 1
    remaining = next(
        m for m in system.http.get("/kitchens/menus").json() if m["menuId"] == menu["menuId"]
    )
    assert remaining["remaining"] == 18  # the warm-up and the one double-tapped order
