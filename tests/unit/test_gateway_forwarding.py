"""What the gateway passes on to a service: the token it admitted, and no identity a
client made up."""

from __future__ import annotations

from aiohttp.test_utils import make_mocked_request

from erestaurant.gateway.app import _forwarded


def test_identity_headers_a_client_sent_never_reach_a_service() -> None:
    request = make_mocked_request(
        "GET",
        "/payments/payroll/2026-11",
        headers={
            "Authorization": "Bearer the-one-checked",
            "X-Forwarded-User": "admin",
            "X-Employee-Card-No": "E1002",
            "X-Auth-Request-Email": "boss@example.com",
            "X-User-Roles": "admin",
            "Remote-User": "admin",
            "Cookie": "erestaurant_session=sealed",
            "X-Correlation-ID": "c-1",
            "Idempotency-Key": "k-1",
            "Connection": "keep-alive",
        },
    )
    forwarded = _forwarded(request, "the-one-checked")
    assert forwarded == {
        "X-Correlation-ID": "c-1",
        "Idempotency-Key": "k-1",
        "Authorization": "Bearer the-one-checked",
    }


def test_a_browsers_session_goes_on_as_the_bearer_token_it_holds() -> None:
    request = make_mocked_request("GET", "/halls/orders/1", headers={"Cookie": "a=b"})
    assert _forwarded(request, "from-the-session")["Authorization"] == "Bearer from-the-session"


def test_of_the_cookies_only_the_language_choice_reaches_the_screens() -> None:
    request = make_mocked_request(
        "GET", "/kiosk", headers={"Cookie": "erestaurant_session=sealed; erestaurant_lang=en"}
    )
    assert _forwarded(request, None)["Cookie"] == "erestaurant_lang=en"


def test_a_made_up_language_cookie_does_not_cross() -> None:
    odd = make_mocked_request("GET", "/kiosk", headers={"Cookie": 'erestaurant_lang="a b"'})
    assert "Cookie" not in _forwarded(odd, None)
