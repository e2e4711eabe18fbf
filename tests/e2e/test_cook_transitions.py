"""A ticket moves RECEIVED -> COOKING -> COOKED and no other way."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import System

pytestmark = pytest.mark.e2e


def test_illegal_ticket_moves_are_refused_with_409(system: System) -> None:
    http = system.http
    order_id = system.order(system.register(), system.menu()["menuId"]).json()["orderId"]
    cook_id = system.cook(order_id)

    skipped = http.patch(f"/kitchens/cooks/{cook_id}", json={"status": "COOKED"})
    assert skipped.status_code == 409
    assert skipped.json()["error"] == "ILLEGAL_TRANSITION"
    assert http.patch(f"/kitchens/cooks/{cook_id}", json={"status": "COOKING"}).status_code == 200
    assert http.patch(f"/kitchens/cooks/{cook_id}", json={"status": "COOKING"}).status_code == 200
    assert http.patch(f"/kitchens/cooks/{cook_id}", json={"status": "COOKED"}).status_code == 200
    backwards = http.patch(f"/kitchens/cooks/{cook_id}", json={"status": "COOKING"})
    assert backwards.status_code == 409
    assert backwards.json()["error"] == "ILLEGAL_TRANSITION"
    cooking = http.get("/kitchens/cooks", params={"status": "COOKED"}).json()
    assert cook_id in [t["cookId"] for t in cooking]


def test_a_missing_ticket_is_404(system: System) -> None:
    r = system.http.patch("/kitchens/cooks/987654", json={"status": "COOKING"})
    assert r.status_code == 404
    assert r.json()["error"] == "NOT_FOUND"


def test_tickets_are_listed_oldest_first_or_newest_first(system: System) -> None:
    menu_id = system.menu()["menuId"]
    card = system.register()
    cooks = [system.cook(system.order(card, menu_id).json()["orderId"]) for _ in range(3)]
    oldest = system.kitchen.get("/kitchens/cooks", params={"limit": "1000"}).json()
    newest = system.kitchen.get(
        "/kitchens/cooks", params={"newestFirst": "true", "limit": "2"}
    ).json()
    ids = [t["cookId"] for t in oldest]
    assert ids == sorted(ids)
    assert [t["cookId"] for t in newest] == cooks[::-1][:2]
