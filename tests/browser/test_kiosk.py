"""The kiosk as people use it: tiles grey the moment a dish sells out, a pause counts down
and its retry is one order, an offline kiosk says so and loses nothing, and it clears
itself for the next person."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import KITCHEN_CAPACITY, Screens, settle_kitchen
from tests.e2e.conftest import System, eventually

pytestmark = pytest.mark.browser


def dish(system: System, portions: int = 20) -> dict[str, Any]:
    return system.menu(f"Japchae {uuid.uuid4().hex[:4]}", 6000, portions)


def orders_of(system: System, card: str) -> list[dict[str, object]]:
    answer = system.http.get("/workercenters/mypages", params={"employeeCardNo": card})
    return list(answer.json())


def order_at(kiosk: Page, name: str, card: str) -> None:
    kiosk.locator(".tile", has_text=name).click()
    kiosk.keyboard.type(card)
    kiosk.keyboard.press("Enter")


def test_a_tile_greys_the_moment_its_dish_sells_out(screens: Screens) -> None:
    system = screens.system
    menu = dish(system, portions=1)
    kiosk = screens.kiosk()
    tile = kiosk.locator(".tile", has_text=str(menu["name"]))
    expect(tile).to_be_enabled()
    placed = system.order(system.register(), int(menu["menuId"]))  # another kiosk's order
    assert placed.status_code == 201, placed.text
    expect(tile).to_be_disabled()  # live: nobody reloaded
    expect(tile).to_contain_text("Sold out")
    system.kiosk.post(f"/halls/orders/{placed.json()['orderId']}/cancel")


def test_an_unknown_card_is_told_so_and_the_next_tap_starts_afresh(screens: Screens) -> None:
    menu = dish(screens.system)
    kiosk = screens.kiosk()
    order_at(kiosk, str(menu["name"]), "NO-SUCH-CARD")
    refused = kiosk.locator("[data-outcome=refused]")
    expect(refused).to_contain_text("This card is not registered")
    expect(kiosk.locator("#card")).to_have_value("")
    expect(kiosk.locator("#card")).to_be_focused()


def test_a_pause_counts_down_and_its_retry_is_one_order(screens: Screens) -> None:
    system = screens.system
    settle_kitchen(system)
    menu = dish(system)
    filler = system.register()
    for _ in range(KITCHEN_CAPACITY):  # the kitchen is full: hall pauses ordering
        assert system.order(filler, int(menu["menuId"])).status_code == 201
    # The kitchen counts the tickets it has opened, from the orders' events: all of them.
    eventually(
        lambda: system.kitchen.get("/kitchens/cooks", params={"status": "RECEIVED"}).json(),
        lambda open_tickets: len(open_tickets) >= KITCHEN_CAPACITY,
    )
    card = system.register()
    kiosk = screens.kiosk()
    order_at(kiosk, str(menu["name"]), card)
    paused = kiosk.locator("[data-outcome=paused]")
    expect(paused).to_contain_text(re.compile(r"Trying again in \d+ s"))
    first = paused.inner_text()
    expect(paused).not_to_have_text(first)  # it counts down, in the browser
    settle_kitchen(system)  # the cooks catch up: the kitchen takes orders again
    expect(kiosk.locator("[data-outcome=placed]")).to_be_visible(timeout=20_000)
    # Every try of that attempt carried one Idempotency-Key: one order, however many tries.
    mine = eventually(lambda: orders_of(system, card), lambda rows: len(rows) >= 1)
    assert len(mine) == 1, mine
    settle_kitchen(system)


def test_an_offline_kiosk_says_so_and_its_order_goes_through_once_when_back(
    screens: Screens,
) -> None:
    system = screens.system
    menu = dish(system)
    card = system.register()
    kiosk = screens.kiosk()
    expect(kiosk.locator("body")).to_have_attribute("data-live", "open")
    kiosk.context.set_offline(True)
    order_at(kiosk, str(menu["name"]), card)
    expect(kiosk.locator("#offline")).to_be_visible()
    kiosk.wait_for_timeout(4_000)  # a retry or two fail while offline
    kiosk.context.set_offline(False)
    expect(kiosk.locator("[data-outcome=placed]")).to_be_visible(timeout=20_000)
    expect(kiosk.locator("#offline")).to_be_hidden()
    mine = eventually(lambda: orders_of(system, card), lambda rows: len(rows) >= 1)
    kiosk.wait_for_timeout(1_000)
    assert len(orders_of(system, card)) == 1, mine
    settle_kitchen(system)


def test_a_kiosk_left_alone_clears_itself_for_the_next_person(screens: Screens) -> None:
    menu = dish(screens.system)
    kiosk = screens.kiosk()
    tile = kiosk.locator(".tile", has_text=str(menu["name"]))
    tile.click()
    kiosk.locator("[data-qty='1']").click()
    kiosk.keyboard.type("E12")
    expect(kiosk.locator("#qty")).to_have_value("2")
    expect(tile).to_have_attribute("aria-pressed", "false", timeout=10_000)
    expect(kiosk.locator("#card")).to_have_value("")
    expect(kiosk.locator("#qty")).to_have_value("1")


def test_a_double_tap_is_one_order(screens: Screens) -> None:
    system = screens.system
    menu = dish(system)
    card = system.register()
    kiosk = screens.kiosk()
    kiosk.locator(".tile", has_text=str(menu["name"])).click()
    kiosk.keyboard.type(card)
    kiosk.get_by_role("button", name="Order").dblclick()
    expect(kiosk.locator("[data-outcome=placed]")).to_be_visible()
    eventually(lambda: orders_of(system, card), lambda rows: len(rows) >= 1)
    kiosk.wait_for_timeout(1_000)
    assert len(orders_of(system, card)) == 1
    settle_kitchen(system)
