"""My orders: an employee sees their own orders only, and cancels one while it may be."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Screens

pytestmark = pytest.mark.browser


def test_an_employee_sees_only_their_own_orders_and_cancels_one(screens: Screens) -> None:
    system = screens.system
    menu = system.menu(f"Mandu {uuid.uuid4().hex[:4]}", 4500, 10)
    card, employee = screens.new_employee("Seo Yeonwoo")
    other_card, _ = screens.new_employee("Yoon Dohyun")
    for who in (card, other_card):
        registered = system.payroll.post(
            "/payments/employees", json={"employeeCardNo": who, "name": who}
        )
        assert registered.status_code == 201, registered.text
    theirs = system.order(other_card, int(menu["menuId"])).json()
    mine = system.order(card, int(menu["menuId"])).json()

    me = screens.person(employee, "/me", viewport={"width": 390, "height": 844}, is_mobile=True)
    row = me.locator(f".order[data-order-id='{mine['orderId']}']")
    expect(row).to_be_visible()
    expect(me.locator(f".order[data-order-id='{theirs['orderId']}']")).to_have_count(0)
    # Not by the screen's own routes either: hall answers another's order as unknown.
    answer = me.request.post(
        f"/me/orders/{theirs['orderId']}/cancel", headers={"Origin": system.gateway}
    )
    assert 'class="message refused"' in answer.text()
    assert system.http.get(f"/halls/orders/{theirs['orderId']}").json()["status"] == "ORDERED"

    row.get_by_role("button", name=f"Cancel {menu['name']}").click()
    expect(row).to_contain_text("Cancelled")
    assert system.http.get(f"/halls/orders/{mine['orderId']}").json()["status"] == "CANCELLED"
