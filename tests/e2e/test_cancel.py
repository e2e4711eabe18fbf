"""Cancelling before cooking undoes the saga's steps; after cooking starts it is refused."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import System, eventually

pytestmark = pytest.mark.e2e


def test_cancelling_releases_portions_and_nothing_is_deducted(system: System) -> None:
    http = system.http
    card = system.register()
    menu = system.menu("Bulgogi", price=8000, portions=4)
    order_id = system.order(card, menu["menuId"], qty=3).json()["orderId"]
    cook_id = system.cook(order_id)

    cancelled = http.post(f"/halls/orders/{order_id}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "CANCELLED"
    assert http.post(f"/halls/orders/{order_id}/cancel").json()["status"] == "CANCELLED"

    assert http.get(f"/kitchens/cooks/{cook_id}").json()["status"] == "CANCELLED"
    remaining = next(m for m in http.get("/kitchens/menus").json() if m["menuId"] == menu["menuId"])
    assert remaining["remaining"] == 4
    payments = eventually(
        lambda: http.get("/payments/payments", params={"employeeCardNo": card}).json(),
        lambda ps: [p["status"] for p in ps] == ["CANCELLED"],
    )
    assert payments[0]["deductedAt"] is None
    row = eventually(
        lambda: http.get(f"/workercenters/mypages/{order_id}").json(),
        lambda r: r.get("paymentStatus") == "CANCELLED",
    )
    assert (row["orderStatus"], row["cookStatus"], row["notified"]) == (
        "CANCELLED",
        "CANCELLED",
        False,
    )
    # A cancelled ticket cannot be cooked, so it can never be deducted.
    refused = http.patch(f"/kitchens/cooks/{cook_id}", json={"status": "COOKING"})
    assert refused.status_code == 409


def test_cancelling_right_after_ordering_beats_the_ticket(system: System) -> None:
    card = system.register()
    menu = system.menu(portions=2)
    order_id = system.order(card, menu["menuId"]).json()["orderId"]
    assert system.http.post(f"/halls/orders/{order_id}/cancel").json()["status"] == "CANCELLED"
    ticket = eventually(
        lambda: [t for t in system.http.get("/kitchens/cooks").json() if t["orderId"] == order_id],
        lambda ts: len(ts) == 1,
    )
    assert ticket[0]["status"] == "CANCELLED"


def test_an_order_being_cooked_cannot_be_cancelled(system: System) -> None:
    http = system.http
    card = system.register()
    order_id = system.order(card, system.menu()["menuId"]).json()["orderId"]
    cook_id = system.cook(order_id)
    assert http.patch(f"/kitchens/cooks/{cook_id}", json={"status": "COOKING"}).status_code == 200
    refused = http.post(f"/halls/orders/{order_id}/cancel")
    assert refused.status_code == 409
    assert refused.json()["error"] == "COOKING_STARTED"
    http.patch(f"/kitchens/cooks/{cook_id}", json={"status": "COOKED"})
    eventually(
        lambda: http.get("/payments/payments", params={"employeeCardNo": card}).json(),
        lambda ps: [p["status"] for p in ps] == ["DEDUCTED"],
    )
    assert http.post(f"/halls/orders/{order_id}/cancel").status_code == 409


def test_an_unknown_order_cannot_be_cancelled(system: System) -> None:
    refused = system.http.post("/halls/orders/no-such-order/cancel")
    assert refused.status_code == 404
    assert refused.json()["error"] == "NOT_FOUND"
