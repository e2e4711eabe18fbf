"""Who may do what, against the real provider and the real services, through the gateway
and straight to each service (a request that bypasses the gateway is refused the same way).

The matrix takes every endpoint from each service's own OpenAPI: an endpoint with no row
here, such as a new one whose route forgot its role, fails the test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from erestaurant.platform.access import Role
from erestaurant.services import NAMES
from tests.e2e.conftest import System, eventually
from tests.signin import HALL_GRANT, SignedIn, grant_token, token

pytestmark = pytest.mark.e2e

HALL = "hall"  # hall's own client, with a token for the kitchen's audience
CALLERS = (None, *(r.value for r in Role if r is not Role.RESERVE_PORTIONS), HALL)
EMPLOYEE_CARD = "E1001"  # the local provider's demo employee

# (method, path) -> who may call it. Everyone else gets 403 (or 401 for a token meant for
# another audience), and no token gets 401.
MAY: dict[tuple[str, str], set[str]] = {
    ("POST", "/halls/orders"): {"kiosk", "admin"},
    ("GET", "/halls/orders/{order_id}"): {"kiosk", "employee", "admin"},
    ("POST", "/halls/orders/{order_id}/cancel"): {"kiosk", "employee", "admin"},
    ("POST", "/kitchens/menus"): {"kitchen", "admin"},
    ("GET", "/kitchens/menus"): {"kiosk", "employee", "kitchen", "payroll", "admin"},
    ("PATCH", "/kitchens/menus/{menu_id}"): {"kitchen", "admin"},
    ("GET", "/kitchens/cooks"): {"kitchen", "admin"},
    ("GET", "/kitchens/cooks/{cook_id}"): {"kitchen", "admin"},
    ("PATCH", "/kitchens/cooks/{cook_id}"): {"kitchen", "admin"},
    ("POST", "/kitchens/reservations"): {HALL},
    ("POST", "/kitchens/reservations/{order_id}/cancel"): {HALL},
    ("POST", "/payments/employees"): {"payroll", "admin"},
    ("GET", "/payments/employees"): {"payroll", "admin"},
    ("GET", "/payments/employees/{employee_card_no}"): {"payroll", "employee", "admin"},
    ("POST", "/payments/employees/{employee_card_no}/deactivate"): {"payroll", "admin"},
    ("PUT", "/payments/employees/{employee_card_no}/pin"): {"payroll", "employee", "admin"},
    ("GET", "/payments/payments"): {"payroll", "employee", "admin"},
    ("GET", "/payments/payroll/{pay_period}"): {"payroll", "admin"},
    ("GET", "/workercenters/mypages"): {"employee", "admin"},
    ("GET", "/workercenters/mypages/{order_id}"): {"employee", "admin"},
    ("GET", "/notifications/messages"): {"employee", "admin"},
}
OPEN = {"/health/live", "/health/ready", "/metrics"}
PATH_VALUES = {
    "order_id": "no-such-order",
    "cook_id": "987654321",
    "menu_id": "987654321",
    "employee_card_no": EMPLOYEE_CARD,
    "pay_period": "2026-11",
}


def _endpoints(system: System) -> set[tuple[str, str]]:
    found = set()
    for service in NAMES:
        if service in ("gateway", "web"):
            continue  # the screens have a matrix of their own (test_screen_access.py)
        spec = httpx.get(f"{system.urls[service]}/openapi.json", timeout=10).json()
        for path, operations in spec["paths"].items():
            if path not in OPEN:
                found |= {(method.upper(), path) for method in operations}
    return found


def _bearer(system: System, caller: str | None) -> dict[str, str]:
    if caller is None:
        return {}
    if caller == HALL:
        return {"Authorization": f"Bearer {grant_token(system.issuer, HALL_GRANT)}"}
    card = EMPLOYEE_CARD if caller == Role.EMPLOYEE else None
    return {"Authorization": f"Bearer {token(system.issuer, Role(caller), card)}"}


def _call(base: str, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    url = path.format(**PATH_VALUES)
    params = {"employeeCardNo": EMPLOYEE_CARD} if method == "GET" and "{" not in path else {}
    # A body no route takes: a caller let in is answered 422, so nothing is made here.
    body: dict[str, Any] | None = (
        {} if method in ("POST", "PATCH") and not path.endswith("cancel") else None
    )
    return httpx.request(method, base + url, headers=headers, params=params, json=body)


def _expected(caller: str | None, endpoint: tuple[str, str], gateway: bool) -> str:
    """'in' (let in: anything but 401/403), or the status the refusal must be."""
    if caller is None:
        return "401"
    if caller == HALL:
        # Hall's token is for the kitchen's reservations and nowhere else.
        return "in" if not gateway and HALL in MAY[endpoint] else "401"
    if HALL in MAY[endpoint]:
        return "401"  # a person's token is not for the reservations' audience
    return "in" if caller in MAY[endpoint] else "403"


def test_the_matrix_covers_every_endpoint(system: System) -> None:
    assert _endpoints(system) == set(MAY)


@pytest.mark.parametrize("via", ["gateway", "direct"])
def test_every_endpoint_by_every_role(system: System, via: str) -> None:
    headers = {caller: _bearer(system, caller) for caller in CALLERS}
    rows = []
    for method, path in sorted(MAY):
        service = path.split("/")[1].removesuffix("s")
        base = system.gateway if via == "gateway" else system.urls[service]
        for caller in CALLERS:
            got = _call(base, method, path, headers[caller]).status_code
            wanted = _expected(caller, (method, path), via == "gateway")
            ok = got not in (401, 403) if wanted == "in" else str(got) == wanted
            if not ok:
                rows.append(f"{method} {path} as {caller}: {got}, wanted {wanted}")
    assert rows == [], "\n".join(rows)


# -- forged and broken tokens ------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


@pytest.fixture(scope="module")
def provider_key(system: System) -> tuple[bytes, str]:
    """The local provider's own signing key, read from its data folder: a token signed
    with it is one the provider could have issued, so each check is tested on its own."""
    keys = Path(system.local.data_dir) / "identity" / "keys"
    token(system.issuer, Role.KIOSK)  # the provider has made its keys by now
    return (keys / "rsa_private.pem").read_bytes(), (keys / "kid.txt").read_text().strip()


def _claims(system: System, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": system.issuer,
        "sub": "forger",
        "aud": "erestaurant",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "roles": ["admin"],
        "jti": uuid.uuid4().hex,
    }
    claims.update(changes)
    return claims


def _forged(system: System, provider_key: tuple[bytes, str]) -> Iterator[tuple[str, str]]:
    private, kid = provider_key
    yield "garbage", "not-a-jwt"
    yield (
        "expired",
        jwt.encode(
            _claims(system, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600),
            private,
            "RS256",
            {"kid": kid},
        ),
    )
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    yield "wrong signature", jwt.encode(_claims(system), stranger, "RS256", {"kid": kid})
    yield (
        "wrong issuer",
        jwt.encode(_claims(system, iss="http://evil.example"), private, "RS256", {"kid": kid}),
    )
    yield (
        "wrong audience",
        jwt.encode(_claims(system, aud="another-app"), private, "RS256", {"kid": kid}),
    )
    yield "alg none", _unsigned({"alg": "none", "kid": kid, "typ": "JWT"}, _claims(system)) + "."
    jwks = httpx.get(f"{system.issuer}/.well-known/jwks.json").json()
    public = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == kid)).key
    pem = public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    signing = _unsigned({"alg": "HS256", "kid": kid, "typ": "JWT"}, _claims(system))
    mac = hmac.new(pem, signing.encode(), hashlib.sha256).digest()
    yield "HMAC with the public key", f"{signing}.{_b64(mac)}"
    yield (
        "a key id never published",
        jwt.encode(_claims(system), private, "RS256", {"kid": "never-published"}),
    )
    yield "no subject", jwt.encode(_claims(system, sub=None), private, "RS256", {"kid": kid})


# One endpoint of each service, and the gateway in front of them.
PROBES = {
    "gateway": "/payments/employees",
    "hall": "/halls/orders/x",
    "kitchen": "/kitchens/cooks",
    "payment": "/payments/employees",
    "workercenter": "/workercenters/mypages",
    "notification": "/notifications/messages",
}


def test_forged_expired_and_foreign_tokens_are_refused_with_401(
    system: System, provider_key: tuple[bytes, str]
) -> None:
    forged = list(_forged(system, provider_key))
    rows = []
    for target, path in PROBES.items():
        for what, bad in forged:
            r = httpx.get(
                system.local.url(target) + path, headers={"Authorization": f"Bearer {bad}"}
            )
            if r.status_code != 401 or r.json()["error"] != "UNAUTHENTICATED":
                rows.append(f"{target}: {what} -> {r.status_code} {r.text[:120]}")
            elif "invalid_token" not in r.headers.get("WWW-Authenticate", ""):
                rows.append(f"{target}: {what} -> no invalid_token challenge")
        basic = httpx.get(system.local.url(target) + path, auth=("admin", "admin-dev"))
        if basic.status_code != 401:
            rows.append(f"{target}: Basic credentials -> {basic.status_code}")
    assert rows == [], "\n".join(rows)


def test_the_same_claims_signed_by_the_provider_are_let_in(
    system: System, provider_key: tuple[bytes, str]
) -> None:
    """The forgeries above fail for the one thing each changed, not for something else."""
    private, kid = provider_key
    good = jwt.encode(_claims(system), private, "RS256", {"kid": kid})
    for target, path in PROBES.items():
        r = httpx.get(system.local.url(target) + path, headers={"Authorization": f"Bearer {good}"})
        assert r.status_code not in (401, 403), (target, r.text)


# -- whose records -----------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["gateway", "direct"])
def test_another_employees_records_are_not_found(system: System, via: str) -> None:
    card, stranger = system.register("Kim Minji"), system.register("Lee Jiho")
    order_id = system.order(card, system.menu()["menuId"]).json()["orderId"]
    mine = SignedIn(system.issuer, Role.EMPLOYEE, card)
    theirs = SignedIn(system.issuer, Role.EMPLOYEE, stranger)

    def base(service: str) -> str:
        return system.gateway if via == "gateway" else system.urls[service]

    eventually(
        lambda: httpx.get(f"{base('workercenter')}/workercenters/mypages/{order_id}", auth=mine),
        lambda r: r.status_code == 200,
    )
    asks = [
        ("hall", f"/halls/orders/{order_id}", {}),
        ("payment", "/payments/payments", {"employeeCardNo": card}),
        ("payment", f"/payments/employees/{card}", {}),
        ("notification", "/notifications/messages", {"employeeCardNo": card}),
        ("workercenter", "/workercenters/mypages", {"employeeCardNo": card}),
        ("workercenter", f"/workercenters/mypages/{order_id}", {}),
    ]
    for service, path, params in asks:
        own = httpx.get(base(service) + path, params=params, auth=mine)
        assert own.status_code == 200, (path, own.text)
        other = httpx.get(base(service) + path, params=params, auth=theirs)
        assert other.status_code == 404, (path, other.text)
        assert other.json()["error"] == "NOT_FOUND"
    # Without a card in the request an employee gets their own, and only their own.
    own_pages = httpx.get(f"{base('workercenter')}/workercenters/mypages", auth=mine).json()
    assert [p["orderId"] for p in own_pages] == [order_id]
    assert httpx.get(f"{base('workercenter')}/workercenters/mypages", auth=theirs).json() == []


def test_an_employee_may_cancel_their_own_order_and_no_one_elses(system: System) -> None:
    card, stranger = system.register(), system.register()
    menu_id = system.menu()["menuId"]
    first = system.order(card, menu_id).json()["orderId"]
    second = system.order(card, menu_id).json()["orderId"]
    with system.client(Role.EMPLOYEE, card=stranger) as them:
        assert them.post(f"/halls/orders/{first}/cancel").status_code == 404
    with system.client(Role.EMPLOYEE, card=card) as me:
        cancelled = me.post(f"/halls/orders/{first}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "CANCELLED"
    assert system.http.get(f"/halls/orders/{second}").json()["status"] == "ORDERED"


def test_a_kiosk_sees_and_cancels_only_the_orders_it_placed(system: System) -> None:
    card = system.register()
    menu_id = system.menu()["menuId"]
    order_id = system.order(card, menu_id).json()["orderId"]  # at kiosk-1
    with system.client(Role.KIOSK, kiosk="kiosk-2") as other_kiosk:
        assert other_kiosk.get(f"/halls/orders/{order_id}").status_code == 404
        assert other_kiosk.post(f"/halls/orders/{order_id}/cancel").status_code == 404
    assert system.kiosk.get(f"/halls/orders/{order_id}").status_code == 200
    assert system.kiosk.post(f"/halls/orders/{order_id}/cancel").json()["status"] == "CANCELLED"
