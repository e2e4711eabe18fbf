"""The kitchen staff manage menus from their screen: portions, price, on or off the menu,
through the gateway as the cook, and every change reaches the event stream."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import httpx
import nats
import pytest
from nats.js.api import DeliverPolicy

from erestaurant.platform.access import Role
from tests.e2e.conftest import System

pytestmark = pytest.mark.e2e

MENU_EVENTS = ("MenuRegistered", "MenuChanged")


def _listed(client: httpx.Client, menu_id: int, **params: str) -> dict[str, Any] | None:
    r = client.get("/kitchens/menus", params=params)
    assert r.status_code == 200, r.text
    return next((m for m in r.json() if m["menuId"] == menu_id), None)


def _change(system: System, menu_id: int, **body: object) -> httpx.Response:
    return system.kitchen.patch(f"/kitchens/menus/{menu_id}", json=body)


async def _menu_events(system: System, menu_id: int, wanted: int) -> list[dict[str, Any]]:
    """The kitchen's menu events for one menu, in stream order, once ``wanted`` are there
    (the outbox relay publishes a moment after the commit)."""
    nc = await nats.connect(system.nats_url)
    try:
        js = nc.jetstream()
        deadline = time.monotonic() + 15
        while True:
            sub = await js.subscribe(
                "erestaurant.kitchen.>", ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
            )
            found = []
            while True:
                try:
                    msg = await sub.next_msg(timeout=0.5)
                except TimeoutError:
                    break
                envelope = json.loads(msg.data)
                kind, payload = envelope["eventType"], envelope["payload"]
                if kind in MENU_EVENTS and payload["menuId"] == menu_id:
                    found.append(envelope)
            await sub.unsubscribe()
            if len(found) >= wanted or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.2)
    finally:
        await nc.close()


async def test_portions_and_price_change_and_each_change_is_published(system: System) -> None:
    menu = system.menu(name=f"Japchae {uuid.uuid4().hex[:6]}", price=6000, portions=10)
    menu_id = menu["menuId"]
    assert menu["onMenu"] is True
    card = system.register()
    assert system.order(card, menu_id, qty=3).status_code == 201

    r = _change(system, menu_id, dailyPortions=20, price=6500)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "menuId": menu_id,
        "name": menu["name"],
        "price": 6500,
        "dailyPortions": 20,
        "remaining": 17,
        "onMenu": True,
    }
    assert _listed(system.kiosk, menu_id) == r.json()  # the answer is the list's row
    again = _change(system, menu_id, dailyPortions=20)  # a double click changes nothing
    assert again.json() == r.json()

    events = await _menu_events(system, menu_id, wanted=2)
    assert [e["eventType"] for e in events] == ["MenuRegistered", "MenuChanged"]
    registered, changed = (e["payload"] for e in events)
    assert {k: v for k, v in registered.items() if k != "registeredAt"} == {
        "menuId": menu_id,
        "name": menu["name"],
        "price": 6000,
        "dailyPortions": 10,
        "onMenu": True,
    }
    assert {k: v for k, v in changed.items() if k != "changedAt"} == {
        "menuId": menu_id,
        "name": menu["name"],
        "price": 6500,
        "dailyPortions": 20,
        "onMenu": True,
    }
    assert all(e["version"] == 1 for e in events)


async def test_a_dish_taken_off_the_menu_is_hidden_from_kiosks_and_refused_until_put_back(
    system: System,
) -> None:
    menu_id = system.menu(name=f"Naengmyeon {uuid.uuid4().hex[:6]}")["menuId"]
    card = system.register()

    off = _change(system, menu_id, onMenu=False)
    assert off.status_code == 200, off.text
    assert off.json()["onMenu"] is False
    assert _listed(system.kiosk, menu_id) is None
    assert _listed(system.kitchen, menu_id) is None  # the kiosks' list, whoever reads it
    assert _listed(system.kitchen, menu_id, all="true") == off.json()
    refused = system.order(card, menu_id)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "NOT_ON_MENU"

    back = _change(system, menu_id, onMenu=True)
    assert back.status_code == 200, back.text
    assert _listed(system.kiosk, menu_id) == back.json()
    assert system.order(card, menu_id).status_code == 201

    events = await _menu_events(system, menu_id, wanted=3)
    assert [(e["eventType"], e["payload"]["onMenu"]) for e in events] == [
        ("MenuRegistered", True),
        ("MenuChanged", False),
        ("MenuChanged", True),
    ]


def test_only_the_kitchen_sees_the_dishes_taken_off(system: System) -> None:
    for role in (Role.KIOSK, Role.EMPLOYEE, Role.PAYROLL):
        card = "E1001" if role is Role.EMPLOYEE else None
        with system.client(role, card=card) as client:
            r = client.get("/kitchens/menus", params={"all": "true"})
            assert r.status_code == 403, (role, r.text)
            assert r.json()["error"] == "FORBIDDEN"
            assert client.get("/kitchens/menus", params={"all": "false"}).status_code == 200
    assert system.kitchen.get("/kitchens/menus", params={"all": "true"}).status_code == 200
    assert system.http.get("/kitchens/menus", params={"all": "true"}).status_code == 200
    bad = system.kitchen.get("/kitchens/menus", params={"all": "maybe"})
    assert (bad.status_code, bad.json()["error"]) == (422, "INVALID_REQUEST")


def test_portions_already_reserved_today_cannot_be_taken_back(system: System) -> None:
    menu_id = system.menu(name=f"Bulgogi {uuid.uuid4().hex[:6]}", portions=10)["menuId"]
    card = system.register()
    assert system.order(card, menu_id, qty=4).status_code == 201

    refused = _change(system, menu_id, dailyPortions=3, price=1)
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert (body["error"], body["reserved"], body["menuId"]) == (
        "PORTIONS_BELOW_RESERVED",
        4,
        menu_id,
    )
    assert "4 portion(s) are already reserved" in body["message"]
    unchanged = _listed(system.kiosk, menu_id)
    assert unchanged is not None
    assert (unchanged["dailyPortions"], unchanged["price"]) == (10, 6500)

    cut = _change(system, menu_id, dailyPortions=4)
    assert cut.status_code == 200, cut.text
    assert cut.json()["remaining"] == 0
    sold_out = system.order(card, menu_id)
    assert (sold_out.status_code, sold_out.json()["error"]) == (409, "SOLD_OUT")


def test_an_unknown_menu_is_404(system: System) -> None:
    r = _change(system, 987654321, dailyPortions=5)
    assert r.status_code == 404, r.text
    assert r.json()["error"] == "NOT_FOUND"
    assert "987654321" in r.json()["message"]


# What a bad change looks like -> the field the answer names ("" for the body itself).
BAD_CHANGES: dict[str, tuple[dict[str, object], str]] = {
    "negative-portions": ({"dailyPortions": -1}, "dailyPortions"),
    "negative-price": ({"price": -100}, "price"),
    "too-many-portions": ({"dailyPortions": 100_001}, "dailyPortions"),
    "a-string": ({"dailyPortions": "5"}, "dailyPortions"),
    "not-a-boolean": ({"onMenu": "no"}, "onMenu"),
    "null": ({"price": None}, "price"),
    "a-new-name": ({"name": "Renamed"}, "name"),
    "nothing": ({}, ""),
}


@pytest.mark.parametrize(("body", "field"), BAD_CHANGES.values(), ids=BAD_CHANGES.keys())
def test_bad_values_are_422_and_say_what_is_wrong(
    system: System, body: dict[str, object], field: str
) -> None:
    menu_id = system.menu(portions=10)["menuId"]
    r = _change(system, menu_id, **body)
    assert r.status_code == 422, r.text
    answer = r.json()
    assert answer["error"] == "INVALID_REQUEST"
    assert [p["field"] for p in answer["problems"]] == [field]
    listed = _listed(system.kiosk, menu_id)
    assert listed is not None
    assert (listed["dailyPortions"], listed["price"]) == (10, 6500)
