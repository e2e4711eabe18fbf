"""Orders the hall must refuse: sold out, not on the menu, unknown card."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import System

pytestmark = pytest.mark.e2e


def test_a_sold_out_menu_is_refused_and_nothing_is_made(system: System) -> None:
    card = system.register()
    menu = system.menu("Tteokbokki", portions=1)
    assert system.order(card, menu["menuId"]).status_code == 201
    refused = system.order(card, menu["menuId"])
    assert refused.status_code == 409
    assert refused.json()["error"] == "SOLD_OUT"
    too_many = system.order(system.register(), system.menu(portions=2)["menuId"], qty=3)
    assert too_many.status_code == 409
    assert too_many.json()["error"] == "SOLD_OUT"
    mine = system.http.get("/halls/orders/does-not-exist")
    assert mine.status_code == 404


def test_a_meal_not_on_the_menu_is_refused(system: System) -> None:
    refused = system.order(system.register(), menu_id=999_999)
    assert refused.status_code == 409
    assert refused.json()["error"] == "NOT_ON_MENU"


def test_an_unknown_card_is_refused(system: System) -> None:
    menu = system.menu()
    refused = system.http.post(
        "/halls/orders", json={"employeeCardNo": "NOBODY-1", "menuId": menu["menuId"], "qty": 1}
    )
    assert refused.status_code == 422
    assert refused.json()["error"] == "UNKNOWN_CARD"
    remaining = next(
        m for m in system.http.get("/kitchens/menus").json() if m["menuId"] == menu["menuId"]
    )
    assert remaining["remaining"] == menu["dailyPortions"]  # nothing was reserved
