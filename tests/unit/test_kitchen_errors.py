"""How the kitchen answers its domain's refusals over HTTP: one table (``api.ERRORS``)."""

from __future__ import annotations

from typing import Any

import pytest

from erestaurant.kitchen import api, handlers
from erestaurant.kitchen.domain import (
    Admission,
    CookingAlreadyStarted,
    IllegalCookTransition,
    KitchenError,
    NotOnMenu,
    PortionsBelowReserved,
    ReservationMismatch,
    SoldOut,
)
from erestaurant.platform.errors import ApiError


def answer(exc: Exception) -> ApiError:
    """The table's answer for ``exc``, looked up along its class's MRO as Starlette does."""
    kind = next(k for k in type(exc).__mro__ if k in api.ERRORS)
    return api.ERRORS[kind](exc)


def _refusals(kind: type[Exception] = KitchenError) -> list[type[Exception]]:
    """Every subclass of ``kind``, at any depth."""
    return [sub for direct in kind.__subclasses__() for sub in (direct, *_refusals(direct))]


@pytest.mark.parametrize(
    ("exc", "status", "body", "headers"),
    [
        (
            handlers.MenuNotFound("no menu 3"),
            404,
            {"error": "NOT_FOUND", "message": "no menu 3"},
            {},
        ),
        (
            handlers.TicketNotFound("no cooking ticket 9"),
            404,
            {"error": "NOT_FOUND", "message": "no cooking ticket 9"},
            {},
        ),
        (
            handlers.ReservationNotFound("no reservation for order x"),
            404,
            {"error": "NOT_FOUND", "message": "no reservation for order x"},
            {},
        ),
        (
            PortionsBelowReserved(3, 4, 7),
            409,
            {
                "error": "PORTIONS_BELOW_RESERVED",
                "message": "4 portion(s) are already reserved today: daily portions cannot be"
                " cut to 3",
                "menuId": 7,
                "reserved": 4,
                "dailyPortions": 3,
            },
            {},
        ),
        (
            SoldOut(7, 1),
            409,
            {"error": "SOLD_OUT", "message": "only 1 portion(s) left today", "menuId": 7},
            {},
        ),
        (
            NotOnMenu(7),
            409,
            {"error": "NOT_ON_MENU", "message": "menu 7 is not on the menu", "menuId": 7},
            {},
        ),
        (
            IllegalCookTransition("a RECEIVED ticket cannot become COOKED"),
            409,
            {"error": "ILLEGAL_TRANSITION", "message": "a RECEIVED ticket cannot become COOKED"},
            {},
        ),
        (
            CookingAlreadyStarted("the ticket is already COOKING"),
            409,
            {"error": "COOKING_STARTED", "message": "the ticket is already COOKING"},
            {},
        ),
        (
            ReservationMismatch("order x was reserved for another meal"),
            409,
            {"error": "RESERVATION_MISMATCH", "message": "order x was reserved for another meal"},
            {},
        ),
        (
            Admission(capacity=200, resume_below=160, retry_after=10).refusal(),
            503,
            {"error": "KITCHEN_BUSY", "message": "the kitchen has 200 open orders or more"},
            {"Retry-After": "10"},
        ),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else "",
)
def test_each_refusal_is_answered_as_before(
    exc: Exception, status: int, body: dict[str, Any], headers: dict[str, str]
) -> None:
    answered = answer(exc)
    assert (answered.status_code, answered.body(), answered.headers) == (status, body, headers)


@pytest.mark.parametrize("kind", _refusals(), ids=lambda kind: kind.__name__)
def test_every_kitchen_error_has_an_answer(kind: type[Exception]) -> None:
    assert any(k in api.ERRORS for k in kind.__mro__ if issubclass(k, KitchenError))
