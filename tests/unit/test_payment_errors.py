"""How payment answers its domain's refusals over HTTP: one table (``api.ERRORS``)."""

from __future__ import annotations

from typing import Any

import pytest

from erestaurant.payment import api
from erestaurant.payment.domain import CardAlreadyRegistered, CardDeactivated, EmployeeNotFound
from erestaurant.platform.errors import ApiError


def answer(exc: Exception) -> ApiError:
    """The table's answer for ``exc``, looked up along its class's MRO as Starlette does."""
    kind = next(k for k in type(exc).__mro__ if k in api.ERRORS)
    return api.ERRORS[kind](exc)


@pytest.mark.parametrize(
    ("exc", "status", "body"),
    [
        (
            CardAlreadyRegistered("E1001", "Kim Minji"),
            409,
            {"error": "CARD_ALREADY_REGISTERED", "message": "card E1001 belongs to Kim Minji"},
        ),
        (
            CardDeactivated("E1001"),
            422,
            {"error": "CARD_DEACTIVATED", "message": "card E1001 is deactivated"},
        ),
        (
            EmployeeNotFound("E9999"),
            404,
            {"error": "NOT_FOUND", "message": "no payroll account for card E9999"},
        ),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else "",
)
def test_each_refusal_a_route_meets_is_answered_as_before(
    exc: Exception, status: int, body: dict[str, Any]
) -> None:
    answered = answer(exc)
    assert (answered.status_code, answered.body(), answered.headers) == (status, body, {})
