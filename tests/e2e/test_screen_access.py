"""Who may open which screen: every route of the web service, as every role, straight to
the web service (the gateway forwards the same bearer token a browser's session gives).

Someone not signed in is sent to sign in (303; a kiosk to its device setup), someone signed
in without the screen's role gets a page that says so (403), and the routes list comes
from the web service's own OpenAPI: a screen route with no row here fails the test.
"""

from __future__ import annotations

import httpx
import pytest

from erestaurant.platform.access import Role
from tests.e2e.conftest import System
from tests.signin import token

pytestmark = pytest.mark.e2e

OPEN = {"/health/live", "/health/ready", "/metrics", "/", "/kiosk/setup"}
CALLERS = (None, *(r.value for r in Role if r is not Role.RESERVE_PORTIONS))
KIOSK = {"kiosk", "admin"}
KITCHEN = {"kitchen", "admin"}
EMPLOYEE = {"employee", "admin"}
PAYROLL = {"payroll", "admin"}
ADMIN = {"admin"}
MAY: dict[tuple[str, str], set[str]] = {
    ("GET", "/kiosk"): KIOSK,
    ("GET", "/kiosk/menu"): KIOSK,
    ("POST", "/kiosk/orders"): KIOSK,
    ("GET", "/kiosk/stream"): KIOSK,
    ("GET", "/kitchen"): KITCHEN,
    ("GET", "/kitchen/board"): KITCHEN,
    ("POST", "/kitchen/cooks/{cook_id}"): KITCHEN,
    ("GET", "/kitchen/menus"): KITCHEN,
    ("POST", "/kitchen/menus"): KITCHEN,
    ("POST", "/kitchen/menus/{menu_id}"): KITCHEN,
    ("GET", "/kitchen/stream"): KITCHEN,
    ("GET", "/me"): EMPLOYEE,
    ("GET", "/me/orders"): EMPLOYEE,
    ("POST", "/me/orders/{order_id}/cancel"): EMPLOYEE,
    ("GET", "/me/stream"): EMPLOYEE,
    ("GET", "/payroll"): PAYROLL,
    ("GET", "/payroll/month"): PAYROLL,
    ("GET", "/payroll/employees"): PAYROLL,
    ("POST", "/payroll/employees"): PAYROLL,
    ("GET", "/payroll/stream"): PAYROLL,
    ("GET", "/ops"): ADMIN,
    ("GET", "/ops/map"): ADMIN,
    ("POST", "/ops/deadletters/replay"): ADMIN,
    ("POST", "/ops/drills/{name}/{action}"): ADMIN,
    ("POST", "/ops/drills/flood"): ADMIN,
    ("GET", "/ops/stream"): ADMIN,
}
# Values that change nothing: tickets, menus, orders and processes that do not exist.
PATH_VALUES = {
    "cook_id": "987654321",
    "menu_id": "987654321",
    "order_id": "no-such-order",
    "name": "nobody",
    "action": "thaw",
}


def _screen_routes(system: System) -> set[tuple[str, str]]:
    spec = httpx.get(f"{system.urls['web']}/openapi.json", timeout=10).json()
    return {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        if path not in OPEN
        for method in operations
    }


def test_the_matrix_covers_every_screen(system: System) -> None:
    assert _screen_routes(system) == set(MAY)


def _status(base: str, method: str, path: str, bearer: str | None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    with httpx.stream(
        method, base + path.format(**PATH_VALUES), headers=headers, data={}, timeout=10
    ) as answer:  # a live stream never ends: its status and headers are enough
        return answer.status_code, answer.headers.get("Location", "")


def test_every_screen_by_every_role(system: System) -> None:
    bearers = {
        caller: token(system.issuer, Role(caller), "E1001" if caller == "employee" else None)
        if caller
        else None
        for caller in CALLERS
    }
    wrong = []
    for (method, path), may in sorted(MAY.items()):
        for caller in CALLERS:
            got, location = _status(system.urls["web"], method, path, bearers[caller])
            if caller is None:
                wanted = "/kiosk/setup" if path.startswith("/kiosk") else "/auth/login?next="
                ok = got == 303 and location.startswith(wanted)
            elif caller in may:
                ok = got == 200
            else:
                ok = got == 403
            if not ok:
                wrong.append(f"{method} {path} as {caller}: {got} {location}")
    assert wrong == [], "\n".join(wrong)


def test_a_screen_fragment_asked_by_htmx_without_a_session_names_the_sign_in(
    system: System,
) -> None:
    answer = httpx.get(f"{system.urls['web']}/kitchen/board", headers={"HX-Request": "true"})
    assert answer.status_code == 204
    assert answer.headers["HX-Redirect"] == "/auth/login?next=/kitchen"


def test_up_prints_where_the_screens_are_and_who_signs_in(system: System) -> None:
    printed = system.logs()
    for path in ("kiosk", "kitchen", "me", "payroll", "ops"):
        assert f"{system.gateway}/{path}  (" in printed, path
    assert "kiosk      client kiosk-1 / dev-kiosk-1-secret" in printed
    assert "kitchen    cook / cook-dev" in printed
