"""The runner keeps the system up: a killed service comes back; data outlives a restart."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from erestaurant.faults.system import SystemFailed
from erestaurant.services import NAMES
from tests.e2e.conftest import System, eventually, running_system, wait_ready

pytestmark = pytest.mark.e2e

ACK_WAIT_SECONDS = 10


def test_a_killed_service_is_started_again(system: System) -> None:
    card = system.register()
    menu = system.menu()
    before = system.local.signal("hall", signal.SIGKILL)
    eventually(lambda: system.local.pid("hall"), lambda pid: pid != before)
    wait_ready(system.urls["hall"], 15)
    # An event that was on its way to the killed hall is redelivered after the ack wait.
    placed = eventually(
        lambda: system.http.post(
            "/halls/orders", json={"employeeCardNo": card, "menuId": menu["menuId"]}
        ),
        lambda r: r.status_code == 201,
        seconds=ACK_WAIT_SECONDS + 15,
    )
    assert placed.json()["status"] == "ORDERED"


def test_data_survives_a_restart(tmp_path: Path) -> None:
    with running_system(tmp_path) as first:
        card = first.register("Park Jiho")
        menu = first.menu("Japchae", portions=5)
        order_id = first.order(card, menu["menuId"]).json()["orderId"]
        first.cook(order_id)
    with running_system(tmp_path) as second:
        assert second.http.get(f"/halls/orders/{order_id}").json()["status"] == "ORDERED"
        remaining = next(
            m for m in second.http.get("/kitchens/menus").json() if m["menuId"] == menu["menuId"]
        )
        assert remaining["remaining"] == 4
        cook_id = second.cook(order_id)
        second.http.patch(f"/kitchens/cooks/{cook_id}", json={"status": "COOKING"})
        second.http.patch(f"/kitchens/cooks/{cook_id}", json={"status": "COOKED"})
        eventually(
            lambda: second.http.get("/payments/payments", params={"employeeCardNo": card}).json(),
            lambda ps: [p["status"] for p in ps] == ["DEDUCTED"],
        )


def _gone(pid: int) -> bool:
    """The process has exited (a zombie waiting for its new parent counts as exited)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status


def _kill_the_runner_and_see_its_children_go(root: Path) -> None:
    with running_system(root) as system:
        children = [system.local.pid(name) for name in (*NAMES, "nats")]
        os.kill(system.local.process.pid, signal.SIGKILL)
        system.local.process.wait(10)
        eventually(lambda: [pid for pid in children if not _gone(pid)], lambda alive: not alive, 30)


def test_nothing_outlives_a_runner_killed_with_9(tmp_path: Path) -> None:
    # Leaving the block, the system finds its runner dead by -9, and says so.
    with pytest.raises(SystemFailed, match="exited with -9"):
        _kill_the_runner_and_see_its_children_go(tmp_path)
