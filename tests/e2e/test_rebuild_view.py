"""The my-page view is disposable: wiped and rebuilt from the event stream, it is the same."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from tests.e2e.conftest import System, eventually

pytestmark = pytest.mark.e2e


def _lunch(system: System) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """Two employees' orders in every state: served, cancelled, being cooked, just ordered."""
    http = system.http
    cards = [system.register("Kim Minji"), system.register("Lee Jun")]
    menu = system.menu("Kimchi stew", price=7000, portions=40)
    expected: dict[str, dict[str, Any]] = {}
    for n in range(12):
        card = cards[n % 2]
        order_id = system.order(card, menu["menuId"], qty=1 + n % 3).json()["orderId"]
        cook_id = system.cook(order_id)
        if n % 4 == 0:
            http.post(f"/halls/orders/{order_id}/cancel")
            expected[order_id] = {"orderStatus": "CANCELLED", "paymentStatus": "CANCELLED"}
        elif n % 4 == 1:
            http.patch(f"/kitchens/cooks/{cook_id}", json={"status": "COOKING"})
            expected[order_id] = {"orderStatus": "COOKING", "cookStatus": "COOKING"}
        elif n % 4 == 2:
            http.patch(f"/kitchens/cooks/{cook_id}", json={"status": "COOKING"})
            http.patch(f"/kitchens/cooks/{cook_id}", json={"status": "COOKED"})
            expected[order_id] = {"orderStatus": "COMPLETED", "paymentStatus": "DEDUCTED"}
            expected[order_id]["notified"] = True
        else:
            expected[order_id] = {"orderStatus": "ORDERED", "cookStatus": "RECEIVED"}
    return cards, expected


def _view(system: System, cards: list[str]) -> list[dict[str, Any]]:
    return [
        row
        for card in cards
        for row in system.http.get("/workercenters/mypages", params={"employeeCardNo": card}).json()
    ]


def _settled(rows: list[dict[str, Any]], expected: dict[str, dict[str, Any]]) -> bool:
    seen = {row["orderId"]: row for row in rows}
    return seen.keys() == expected.keys() and all(
        all(seen[order][field] == value for field, value in wanted.items())
        for order, wanted in expected.items()
    )


def test_the_view_rebuilt_from_the_stream_equals_the_live_one(system: System) -> None:
    cards, expected = _lunch(system)
    live = eventually(lambda: _view(system, cards), lambda rows: _settled(rows, expected), 30)

    rebuilt = subprocess.run(
        [sys.executable, "-m", "erestaurant", "rebuild-view"],
        env=system.local.service_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rebuilt.returncode == 0, rebuilt.stderr
    report = rebuilt.stdout
    # The view was really thrown away, and every event of these orders went through again.
    assert "wiped 0 records" not in report
    assert "replayed 0 events" not in report
    assert "0 unreadable" in report

    assert _view(system, cards) == live
