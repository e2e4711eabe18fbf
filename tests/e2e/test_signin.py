"""A person signs in from a browser: through the gateway, on the real provider's sign-in
page (authorization code with PKCE), into a session cookie the gateway keeps.

The browser is played by an HTTP client that keeps cookies and follows each redirect by
hand, so that every hop can be looked at: no token ever shows in a URL.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.e2e.conftest import System

pytestmark = pytest.mark.e2e


def _sign_in(
    system: System, browser: httpx.Client, username: str, password: str, next_: str
) -> httpx.Response:
    """Every hop of a sign-in; the gateway's last answer (the redirect to ``next_``)."""
    start = browser.get(f"{system.gateway}/auth/login", params={"next": next_})
    assert start.status_code == 302, start.text
    authorize = start.headers["Location"]
    assert authorize.startswith(f"{system.issuer}/authorize?")
    asked = parse_qs(urlsplit(authorize).query)
    assert asked["code_challenge_method"] == ["S256"]
    assert asked["client_id"] == ["gateway"]
    page = browser.get(authorize)
    assert page.status_code == 200, page.text
    [transaction] = re.findall(r'name="transaction_id" value="([^"]+)"', page.text)[:1]
    signed = browser.post(
        f"{system.issuer}/authorize",
        data={"transaction_id": transaction, "username": username, "password": password},
    )
    assert signed.status_code == 302, signed.text[:500]
    back = signed.headers["Location"]
    assert back.startswith(f"{system.gateway}/auth/callback?")
    assert "token" not in back
    answer = browser.get(back)
    assert "token" not in answer.headers.get("Location", "")
    return answer


def test_an_employee_signs_in_and_the_session_cookie_carries_their_identity(
    system: System,
) -> None:
    with httpx.Client(timeout=10) as browser:
        landed = _sign_in(system, browser, "kim", "kim-dev", "/workercenters/mypages")
        assert landed.status_code == 302
        assert landed.headers["Location"] == "/workercenters/mypages"
        cookie = landed.headers["Set-Cookie"]
        assert "erestaurant_session=" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie

        me = browser.get(f"{system.gateway}/auth/me")
        assert me.status_code == 200, me.text
        assert me.json()["roles"] == ["employee"]
        assert me.json()["employeeCardNo"] == "E1001"
        pages = browser.get(f"{system.gateway}/workercenters/mypages")
        assert pages.status_code == 200, pages.text
        assert all(p["employeeCardNo"] == "E1001" for p in pages.json())
        # Someone else's records are still not found, session or not.
        other = browser.get(
            f"{system.gateway}/payments/payments", params={"employeeCardNo": "E1002"}
        )
        assert other.status_code == 404

        # A change riding on the cookie must come from the cafeteria's own pages.
        cancel = f"{system.gateway}/halls/orders/no-such-order/cancel"
        assert browser.post(cancel).status_code == 403
        assert browser.post(cancel, headers={"Origin": "https://evil.example"}).status_code == 403
        assert browser.post(cancel, headers={"Origin": system.gateway}).status_code == 404

        out = browser.post(f"{system.gateway}/auth/logout", headers={"Origin": system.gateway})
        assert out.status_code == 200
        assert browser.get(f"{system.gateway}/auth/me").status_code == 401
        assert browser.get(f"{system.gateway}/workercenters/mypages").status_code == 401


def test_a_tampered_session_cookie_is_no_session(system: System) -> None:
    with httpx.Client(timeout=10) as browser:
        _sign_in(system, browser, "cook", "cook-dev", "/kitchens/cooks")
        sealed = browser.cookies["erestaurant_session"]
        browser.cookies.clear()
        tampered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
        browser.cookies.set("erestaurant_session", tampered)
        assert browser.get(f"{system.gateway}/kitchens/cooks").status_code == 401
        browser.cookies.set("erestaurant_session", sealed)
        assert browser.get(f"{system.gateway}/kitchens/cooks").status_code == 200


def test_a_callback_that_was_not_started_here_is_refused(system: System) -> None:
    with httpx.Client(timeout=10) as browser:
        forged = browser.get(f"{system.gateway}/auth/callback", params={"code": "x", "state": "y"})
    assert forged.status_code == 400
    assert forged.json()["error"] == "SIGN_IN_FAILED"


def test_after_sign_in_the_browser_goes_back_only_within_the_site(system: System) -> None:
    with httpx.Client(timeout=10) as browser:
        landed = _sign_in(system, browser, "payroll", "payroll-dev", "//evil.example/steal")
    assert landed.headers["Location"] == "/auth/me"
