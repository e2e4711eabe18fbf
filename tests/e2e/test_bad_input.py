"""Bad input gets a 4xx with a JSON body that says what is wrong, never a 500."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import System

pytestmark = pytest.mark.e2e

BAD_BODIES = [
    ("POST", "/halls/orders", b'{"employeeCardNo": "E1", "menuId": 1,'),
    ("POST", "/halls/orders", b"not json at all"),
    ("POST", "/halls/orders", b'{"employeeCardNo": "E1", "menuId": "one", "qty": 1}'),
    ("POST", "/halls/orders", b'{"employeeCardNo": "E1", "menuId": 1, "qty": -2}'),
    ("POST", "/halls/orders", b'{"employeeCardNo": "E1", "menuId": 1, "qty": 0}'),
    ("POST", "/halls/orders", b'{"employeeCardNo": "E1", "menuId": 1, "qty": 1.5}'),
    ("POST", "/halls/orders", b'{"employeeCardNo": "E1", "menuId": 1, "qty": "2"}'),
    ("POST", "/halls/orders", b'{"employeeCardNo": {"no": 1}, "menuId": 1}'),
    ("POST", "/halls/orders", b'{"menuId": 1}'),
    ("POST", "/halls/orders", b"[]"),
    ("POST", "/halls/orders", b'{"employeeCardNo": "E1", "menuId": 1, "tip": 100}'),
    ("POST", "/kitchens/menus", b'{"name": "Soup", "price": -1, "dailyPortions": 10}'),
    ("POST", "/kitchens/menus", b'{"name": "", "price": 100, "dailyPortions": 10}'),
    ("POST", "/kitchens/menus", b'{"name": "Soup", "price": "cheap", "dailyPortions": 10}'),
    ("POST", "/kitchens/menus", b'{"name": "Soup", "price": 100, "dailyPortions": -5}'),
    ("PATCH", "/kitchens/cooks/1", b'{"status": "EATEN"}'),
    ("PATCH", "/kitchens/cooks/1", b"{"),
    ("PATCH", "/kitchens/cooks/abc", b'{"status": "COOKING"}'),
    ("POST", "/payments/employees", b'{"employeeCardNo": "E 1", "name": "Kim"}'),
    ("POST", "/payments/employees", b'{"employeeCardNo": "E1"}'),
    ("POST", "/payments/employees", b'{"employeeCardNo": true, "name": "Kim"}'),
    ("GET", "/payments/payroll/2026-13", b""),
    ("GET", "/payments/payroll/nov", b""),
    ("GET", "/payments/payments", b""),
    ("GET", "/workercenters/mypages", b""),
    ("GET", "/notifications/messages", b""),
    ("GET", "/kitchens/cooks?status=BURNT", b""),
]


@pytest.mark.parametrize(("method", "path", "body"), BAD_BODIES)
def test_bad_input_is_a_4xx_with_a_json_reason(
    system: System, method: str, path: str, body: bytes
) -> None:
    r = system.http.request(
        method, path, content=body, headers={"Content-Type": "application/json"}
    )
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    problem = r.json()
    assert problem["error"]
    assert problem["message"]


def test_malformed_json_is_400_and_wrong_values_422(system: System) -> None:
    broken = system.http.post(
        "/halls/orders", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.json()["error"] == "MALFORMED_JSON"
    negative = system.http.post(
        "/halls/orders", json={"employeeCardNo": "E1", "menuId": 1, "qty": -1}
    )
    assert negative.status_code == 422
    assert negative.json()["error"] == "INVALID_REQUEST"
    assert "qty" in negative.json()["message"]


def test_a_path_no_service_serves_is_404(system: System) -> None:
    r = system.http.get("/canteens/menus")
    assert r.status_code == 404
    assert r.json()["error"] == "NO_ROUTE"
