"""Operations: the system map, and the drills of the development profile, as a learner
uses them: freeze payment and orders go on; thaw it and it catches up; kill a process and
the runner brings it back; flood hall and watch it pause and resume."""

from __future__ import annotations

import re
import uuid

import nats
import pytest
from playwright.sync_api import Page, expect

from erestaurant.platform.access import Role
from tests.browser.conftest import Screens, accessible, in_thread, picture, settle_kitchen
from tests.e2e.conftest import eventually

pytestmark = pytest.mark.browser


def process(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.locator(f"tr[data-process='{name}']")


def test_the_map_shows_every_service_and_what_its_readiness_says(screens: Screens) -> None:
    ops = screens.role(Role.ADMIN, "/ops", viewport={"width": 1280, "height": 900})
    for service in ("halls", "kitchens", "payments", "workercenters", "notifications"):
        expect(ops.locator(f"#svc-{service}")).to_be_visible()
    expect(ops.locator(".service", has_text="halls")).to_contain_text("kitchenCircuit")
    expect(ops.locator(".service", has_text="kitchens")).to_contain_text("admission")
    expect(ops.locator(".service", has_text="payments")).to_contain_text("outboxPending")
    screens.system.register()  # an event passes
    expect(ops.locator("#events li", has_text="EmployeeRegistered").first).to_be_visible()
    picture(ops, "ops")
    accessible(ops)


def test_orders_go_on_while_payment_is_frozen_and_it_catches_up(screens: Screens) -> None:
    system = screens.system
    settle_kitchen(system)
    card = system.register()  # hall hears of the card before payment is frozen
    menu = system.menu(f"Bulgogi {uuid.uuid4().hex[:4]}", 9000, 10)
    ops = screens.role(Role.ADMIN, "/ops")
    payment = process(ops, "payment")
    expect(payment).to_have_attribute("data-state", "running")
    payment.get_by_role("button", name="Freeze payment").click()
    expect(process(ops, "payment")).to_have_attribute("data-state", "frozen")

    placed = system.order(card, int(menu["menuId"]))
    assert placed.status_code == 201, placed.text  # payment is frozen, ordering is not
    order_id = placed.json()["orderId"]
    cook = system.cook(order_id)
    for step in ("COOKING", "COOKED"):
        system.kitchen.patch(f"/kitchens/cooks/{cook}", json={"status": step})

    process(ops, "payment").get_by_role("button", name="Thaw payment").click()
    # Thawed here, or killed by the runner's liveness check first and started again: either
    # way payment comes back and deducts the order exactly once.
    expect(process(ops, "payment")).to_have_attribute("data-state", "running", timeout=30_000)
    paid = eventually(
        lambda: system.http.get("/payments/payments", params={"employeeCardNo": card}).json(),
        lambda rows: any(r["orderId"] == order_id for r in rows),
        seconds=30,
    )
    assert [r["status"] for r in paid if r["orderId"] == order_id] == ["DEDUCTED"]


def test_a_killed_process_comes_back(screens: Screens) -> None:
    ops = screens.role(Role.ADMIN, "/ops")
    row = process(ops, "notification")
    expect(row).to_have_attribute("data-state", "running")
    restarts = int(row.locator("td").nth(2).inner_text())
    row.get_by_role("button", name="Kill notification").click()
    expect(process(ops, "notification").locator("td").nth(2)).to_have_text(
        str(restarts + 1), timeout=20_000
    )
    expect(process(ops, "notification")).to_have_attribute("data-state", "running")


def test_a_flood_of_orders_pauses_hall_and_it_resumes(screens: Screens) -> None:
    system = screens.system
    settle_kitchen(system)
    system.menu(f"Kimbap {uuid.uuid4().hex[:4]}", 3000, 1000)
    ops = screens.role(Role.ADMIN, "/ops")
    ops.get_by_role("button", name="Flood hall with 300 orders").click()
    flood = ops.locator("#flood")
    expect(flood).to_contain_text(re.compile(r"Flood: [1-9]\d* orders sent"))
    # The kitchen holds a few open tickets only: past them hall answers 503 with Retry-After.
    expect(flood).to_contain_text("KITCHEN_BUSY", timeout=20_000)
    expect(flood).to_contain_text("201")
    settle_kitchen(system)


def test_a_dead_letter_is_shown_and_replayed(screens: Screens) -> None:
    system = screens.system

    async def publish_unreadable() -> None:
        connection = await nats.connect(system.nats_url)
        try:
            await connection.jetstream().publish("erestaurant.hall.OrderPlaced", b"not an event")
        finally:
            await connection.close()

    in_thread(publish_unreadable())
    ops = screens.role(Role.ADMIN, "/ops")
    letters = ops.locator(".letters li", has_text="(unreadable)")
    expect(letters.first).to_be_visible(timeout=20_000)
    first = letters.first.inner_text()
    sequence = re.match(r"#(\d+)", first)
    assert sequence, first
    letters.first.get_by_role("button", name=f"Replay #{sequence.group(1)}").click()
    # Replayed on its own subject, it fails again and is set aside anew, under a new number.
    expect(ops.locator(".letters li", has_text=f"#{sequence.group(1)} ")).to_have_count(0)
