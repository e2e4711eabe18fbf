"""Payroll deactivates an employee, and registers the card again; kiosks that ask for the
employee's PIN (HALL_KIOSK_PIN) take an order only with the right one. Through the gateway.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from erestaurant.platform.access import Role
from tests.e2e.conftest import System, eventually, running_system

pytestmark = pytest.mark.e2e

NOT_ON_MENU = 424242  # a kiosk asking for it learns whether hall lets the card order at all
PIN = "90817263"  # eight digits: found in no id or hash by chance


def _order(system: System, card: str, menu_id: int, **extra: Any) -> httpx.Response:
    body = {"employeeCardNo": card, "menuId": menu_id, **extra}
    return system.kiosk.post("/halls/orders", json=body)


def _card_answer(system: System, card: str, until: str) -> httpx.Response:
    """Hall's answer about the card once payment's latest news of it has reached hall: asked
    for a dish not on the menu, so that no order is made while waiting."""
    return eventually(
        lambda: _order(system, card, NOT_ON_MENU), lambda r: r.json().get("error") == until
    )


def test_a_deactivated_card_cannot_order_until_payroll_registers_it_again(
    system: System,
) -> None:
    card = system.register("Kim Minji")
    menu_id = system.menu()["menuId"]
    assert system.order(card, menu_id).status_code == 201

    closed = system.payroll.post(f"/payments/employees/{card}/deactivate")
    assert closed.status_code == 200, closed.text
    assert closed.json()["active"] is False
    assert closed.json()["deactivatedAt"] is not None
    again = system.payroll.post(f"/payments/employees/{card}/deactivate")
    assert (again.status_code, again.json()) == (200, closed.json())

    refused = _card_answer(system, card, "CARD_DEACTIVATED")
    assert refused.status_code == 422
    assert refused.json()["employeeCardNo"] == card
    refused = _order(system, card, menu_id)
    assert (refused.status_code, refused.json()["error"]) == (422, "CARD_DEACTIVATED")

    # Issued again, to someone else: a new account for the card.
    issued = system.payroll.post(
        "/payments/employees", json={"employeeCardNo": card, "name": "Lee Jiho"}
    )
    assert issued.status_code == 201, issued.text
    assert (issued.json()["name"], issued.json()["active"]) == ("Lee Jiho", True)
    assert issued.json()["deactivatedAt"] is None
    _card_answer(system, card, "NOT_ON_MENU")
    assert _order(system, card, menu_id).status_code == 201
    repeat = system.payroll.post(
        "/payments/employees", json={"employeeCardNo": card, "name": "Lee Jiho"}
    )
    assert repeat.status_code == 200


def test_only_payroll_and_admin_deactivate_and_an_unknown_card_is_not_found(
    system: System,
) -> None:
    card = system.register()
    path = f"/payments/employees/{card}/deactivate"
    assert system.kiosk.post(path).status_code == 403
    with system.client(Role.EMPLOYEE, card=card) as me:
        assert me.post(path).status_code == 403
    assert system.http.get(f"/payments/employees/{card}").json()["active"] is True
    by_admin = system.http.post(path)
    assert (by_admin.status_code, by_admin.json()["active"]) == (200, False)
    unknown = system.payroll.post(f"/payments/employees/E{uuid.uuid4().hex[:8]}/deactivate")
    assert (unknown.status_code, unknown.json()["error"]) == (404, "NOT_FOUND")


def test_kiosks_that_ask_for_the_pin_take_orders_with_the_right_one_only(
    tmp_path: Path,
) -> None:
    with running_system(tmp_path, extra_env={"HALL_KIOSK_PIN": "true"}) as system:
        card, stranger = system.register("Kim Minji"), system.register("Lee Jiho")
        menu_id = system.menu()["menuId"]
        not_set = eventually(
            lambda: _order(system, card, menu_id, pin=PIN),
            lambda r: r.json().get("error") != "UNKNOWN_CARD",
        )
        assert (not_set.status_code, not_set.json()["error"]) == (422, "PIN_NOT_SET")

        # The employee sets their own PIN; nobody else's, and a kiosk none.
        pin_of = f"/payments/employees/{card}/pin"
        assert system.kiosk.put(pin_of, json={"pin": PIN}).status_code == 403
        with system.client(Role.EMPLOYEE, card=stranger) as them:
            assert them.put(pin_of, json={"pin": PIN}).status_code == 404
        with system.client(Role.EMPLOYEE, card=card) as me:
            for bad in ("123", "123456789", "12a4", "١٢٣٤"):
                refused = me.put(pin_of, json={"pin": bad})
                assert refused.status_code == 422, bad
                assert refused.json()["error"] == "INVALID_REQUEST"
                assert bad not in refused.text
            assert me.put(pin_of, json={"pin": 4821}).status_code == 422  # a string only
            set_ = me.put(pin_of, json={"pin": PIN})
            assert (set_.status_code, set_.content) == (204, b"")
            mine = me.get(f"/payments/employees/{card}")
        assert mine.json()["pinSet"] is True
        assert PIN not in mine.text
        assert "argon2" not in mine.text

        required = eventually(
            lambda: _order(system, card, menu_id), lambda r: r.json()["error"] != "PIN_NOT_SET"
        )
        assert (required.status_code, required.json()["error"]) == (422, "PIN_REQUIRED")
        placed = _order(system, card, menu_id, pin=PIN)
        assert placed.status_code == 201, placed.text
        assert PIN not in placed.text

        tries_left = []
        for _ in range(5):
            wrong = _order(system, card, menu_id, pin="00000000")
            assert (wrong.status_code, wrong.json()["error"]) == (422, "WRONG_PIN")
            tries_left.append(wrong.json()["triesLeft"])
        assert tries_left == [4, 3, 2, 1, 0]
        locked = _order(system, card, menu_id, pin=PIN)
        assert (locked.status_code, locked.json()["error"]) == (429, "PIN_LOCKED")
        assert 1 <= int(locked.headers["Retry-After"]) <= 300

        # Payroll sets a PIN too; a new PIN is a fresh start for a locked card.
        assert system.payroll.put(pin_of, json={"pin": "4821"}).status_code == 204
        eventually(
            lambda: _order(system, card, NOT_ON_MENU, pin="4821"),
            lambda r: r.json()["error"] == "NOT_ON_MENU",
        )
        assert _order(system, card, menu_id, pin="4821").status_code == 201
        assert PIN not in system.logs()
