"""Self-healing: a service killed with -9, or hung with SIGSTOP, is started again by the
runner (the hung one because it stops answering its liveness check), and no order is lost.

Ordering goes on meanwhile: hall takes orders while payment is dead or frozen, and payment
deducts every one of them once it is back.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.e2e.conftest import System, eventually, running_system

pytestmark = pytest.mark.e2e

# Faster checks than the default, so that a hang is found in a couple of seconds.
LIVENESS_ENV = {
    "ERESTAURANT_LIVENESS_PERIOD_SECONDS": "0.5",
    "ERESTAURANT_LIVENESS_FAILURES": "3",
}
ORDERS_WHILE_DOWN = 5


def _serve_lunches(system: System, card: str, menu_id: int, count: int) -> list[str]:
    """Orders placed and cooked through the gateway; their ids."""
    orders = []
    for _ in range(count):
        placed = system.order(card, menu_id)
        assert placed.status_code == 201, placed.text
        order_id = placed.json()["orderId"]
        cook_id = system.cook(order_id)
        for status in ("COOKING", "COOKED"):
            r = system.http.patch(f"/kitchens/cooks/{cook_id}", json={"status": status})
            assert r.status_code == 200, r.text
        orders.append(order_id)
    return orders


def _all_deducted_once(system: System, card: str, orders: list[str]) -> None:
    def payments() -> list[dict[str, str]]:
        r = system.http.get("/payments/payments", params={"employeeCardNo": card})
        return list(r.json()) if r.status_code == 200 else []  # 503 while payment is down

    deductions = eventually(
        payments,
        lambda ps: {p["orderId"] for p in ps if p["status"] == "DEDUCTED"} >= set(orders),
        60,
    )
    deducted = [p["orderId"] for p in deductions if p["status"] == "DEDUCTED"]
    assert sorted(deducted) == sorted(set(deducted))  # once each


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGSTOP], ids=["kill-9", "hang"])
def test_a_dead_or_hung_payment_is_restarted_and_deducts_every_order(
    tmp_path: Path, how: signal.Signals
) -> None:
    with running_system(tmp_path, extra_env=LIVENESS_ENV) as system:
        card = system.register("Choi Yuna")
        menu = system.menu("Galbitang", price=9000, portions=50)
        before = _serve_lunches(system, card, menu["menuId"], 2)
        _all_deducted_once(system, card, before)

        frozen = system.local.signal("payment", how)
        while_down = _serve_lunches(system, card, menu["menuId"], ORDERS_WHILE_DOWN)

        eventually(lambda: system.local.pid("payment"), lambda pid: pid != frozen, 60)
        if how == signal.SIGSTOP:
            assert "payment missed 3 liveness checks in a row; killing it" in system.logs()
        _all_deducted_once(system, card, before + while_down)
