"""The cafeteria's day, through the gateway: register, menu, order, cook, deduct, notify, view."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import System, eventually

pytestmark = pytest.mark.e2e


def test_an_order_goes_from_card_tap_to_salary_deduction(system: System) -> None:
    http = system.http
    card = system.register("Kim Minji")
    menu = system.menu("Bibimbap", price=6500, portions=10)
    assert menu["remaining"] == 10

    placed = system.order(card, menu["menuId"], qty=2)
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert order["status"] == "ORDERED"
    assert order["amount"] == 13000
    assert order["menuName"] == "Bibimbap"
    order_id = order["orderId"]
    assert http.get(f"/halls/orders/{order_id}").json()["status"] == "ORDERED"
    menus = http.get("/kitchens/menus").json()
    assert next(m for m in menus if m["menuId"] == menu["menuId"])["remaining"] == 8

    cook_id = system.cook(order_id)
    started = http.patch(f"/kitchens/cooks/{cook_id}", json={"status": "COOKING"})
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "COOKING"
    eventually(lambda: http.get(f"/halls/orders/{order_id}").json()["status"], "COOKING".__eq__)

    cooked = http.patch(f"/kitchens/cooks/{cook_id}", json={"status": "COOKED"})
    assert cooked.json()["status"] == "COOKED"
    assert cooked.json()["cookedAt"] is not None
    eventually(lambda: http.get(f"/halls/orders/{order_id}").json()["status"], "COMPLETED".__eq__)

    payments = eventually(
        lambda: http.get("/payments/payments", params={"employeeCardNo": card}).json(),
        lambda ps: [p["status"] for p in ps] == ["DEDUCTED"],
    )
    assert payments[0]["orderId"] == order_id
    assert payments[0]["amount"] == 13000
    period = payments[0]["payPeriod"]
    payroll = http.get(f"/payments/payroll/{period}").json()
    line = next(e for e in payroll["employees"] if e["employeeCardNo"] == card)
    assert (line["deductions"], line["totalAmount"], line["name"]) == (1, 13000, "Kim Minji")
    csv = http.get(f"/payments/payroll/{period}", params={"format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert f"{card},Kim Minji,1,13000" in csv.text.splitlines()

    messages = eventually(
        lambda: http.get("/notifications/messages", params={"employeeCardNo": card}).json(),
        lambda ms: len(ms) == 1,
    )
    assert messages[0]["orderId"] == order_id
    assert "Bibimbap" in messages[0]["text"]
    assert messages[0]["status"] == "SENT"

    row = eventually(
        lambda: http.get(f"/workercenters/mypages/{order_id}").json(),
        lambda r: r.get("notified") is True and r.get("paymentStatus") == "DEDUCTED",
    )
    assert row["orderStatus"] == "COMPLETED"
    assert row["cookStatus"] == "COOKED"
    assert (row["employeeCardNo"], row["menuName"], row["qty"], row["amount"]) == (
        card,
        "Bibimbap",
        2,
        13000,
    )
    mine = http.get("/workercenters/mypages", params={"employeeCardNo": card}).json()
    assert [r["orderId"] for r in mine] == [order_id]


def test_the_view_shows_each_step_as_it_happens(system: System) -> None:
    http = system.http
    card = system.register()
    menu = system.menu("Kimchi stew", price=7000)
    order_id = system.order(card, menu["menuId"]).json()["orderId"]

    def row() -> dict[str, object]:
        r = http.get(f"/workercenters/mypages/{order_id}")
        return dict(r.json()) if r.status_code == 200 else {}

    seen = eventually(row, lambda r: r.get("cookStatus") == "RECEIVED")
    assert (seen["orderStatus"], seen["paymentStatus"], seen["notified"]) == (
        "ORDERED",
        "PENDING",
        False,
    )
    cook_id = system.cook(order_id)
    http.patch(f"/kitchens/cooks/{cook_id}", json={"status": "COOKING"})
    seen = eventually(row, lambda r: r.get("cookStatus") == "COOKING")
    assert seen["orderStatus"] == "COOKING"
    http.patch(f"/kitchens/cooks/{cook_id}", json={"status": "COOKED"})
    seen = eventually(
        row, lambda r: r.get("notified") is True and r.get("paymentStatus") == "DEDUCTED"
    )
    assert (seen["orderStatus"], seen["cookStatus"]) == ("COMPLETED", "COOKED")


def test_every_service_reports_live_and_ready(system: System) -> None:
    for name, url in system.urls.items():
        for probe in ("live", "ready"):
            r = system.http.get(f"{url}/health/{probe}")
            assert r.status_code == 200, (name, probe, r.text)
            assert r.json()["status"] == "UP"
