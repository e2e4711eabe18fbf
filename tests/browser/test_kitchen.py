"""The kitchen display as cooks use it: a number key starts and finishes a ticket, a
cancelled ticket is struck through, a reload keeps the screen, and after a network drop
it catches up on what it missed."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from erestaurant.platform.access import Role
from tests.browser.conftest import Screens, settle_kitchen

pytestmark = pytest.mark.browser


def test_keys_start_and_finish_and_a_cancelled_ticket_is_struck_through(screens: Screens) -> None:
    system = screens.system
    settle_kitchen(system)
    menu = system.menu(f"Tteokbokki {uuid.uuid4().hex[:4]}", 5000, 10)
    kitchen = screens.role(Role.KITCHEN, "/kitchen")
    card = system.register()
    first = system.order(card, int(menu["menuId"])).json()
    second = system.order(card, int(menu["menuId"]), qty=2).json()
    tickets = kitchen.locator(".ticket", has_text=str(menu["name"]))
    expect(tickets).to_have_count(2)
    expect(kitchen.locator(".to-cook")).to_contain_text(f"{menu['name']} 3")

    kitchen.keyboard.press("1")  # the first ticket, the oldest
    expect(tickets.first).to_have_class("ticket cooking")
    kitchen.keyboard.press("1")
    expect(tickets).to_have_count(1)
    assert (
        system.kitchen.get(f"/kitchens/cooks/{system.cook(first['orderId'])}").json()["status"]
        == "COOKED"
    )

    kitchen.reload()  # a reload shows the same: the kitchen holds the state, not the page
    expect(tickets).to_have_count(1)

    system.kiosk.post(f"/halls/orders/{second['orderId']}/cancel")
    expect(tickets).to_have_count(0)
    expect(kitchen.locator(".cancelled s", has_text=str(menu["name"]))).to_be_visible()


def test_after_a_network_drop_the_display_catches_up(screens: Screens) -> None:
    system = screens.system
    settle_kitchen(system)
    menu = system.menu(f"Naengmyeon {uuid.uuid4().hex[:4]}", 8000, 10)
    kitchen = screens.role(Role.KITCHEN, "/kitchen")
    expect(kitchen.locator("body")).to_have_attribute("data-live", "open")
    kitchen.context.set_offline(True)
    expect(kitchen.locator("#offline")).to_be_visible()
    system.order(system.register(), int(menu["menuId"]))  # while the display was away
    kitchen.wait_for_timeout(1_000)
    kitchen.context.set_offline(False)
    expect(kitchen.locator(".ticket", has_text=str(menu["name"]))).to_be_visible()
    expect(kitchen.locator("#offline")).to_be_hidden()
    settle_kitchen(system)


def test_portions_are_changed_and_a_dish_taken_off_from_the_display(screens: Screens) -> None:
    system = screens.system
    menu = system.menu(f"Galbitang {uuid.uuid4().hex[:4]}", 9000, 10)
    name = str(menu["name"])
    kitchen = screens.role(Role.KITCHEN, "/kitchen")
    kitchen.get_by_label(f"Daily portions of {name}").fill("25")
    kitchen.locator("tr", has_text=name).get_by_role("button", name="Save").click()
    expect(kitchen.locator("tr", has_text=name)).to_contain_text("25")
    kitchen.get_by_role("button", name=f"Take {name} off").click()
    expect(kitchen.get_by_role("button", name=f"Put {name} back")).to_be_visible()
    listed = [m["name"] for m in system.kiosk.get("/kitchens/menus").json()]
    assert name not in listed
    kitchen.get_by_role("button", name=f"Put {name} back").click()
    expect(kitchen.get_by_role("button", name=f"Take {name} off")).to_be_visible()
