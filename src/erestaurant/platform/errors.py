"""Errors that an API turns into a JSON answer: ``{"error": CODE, "message": ...}``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ApiError(Exception):
    """A refusal, answered with ``status_code`` and ``{"error": code, "message": ...}``.

    A kind of refusal names its status and default code as class keywords; one refusal may
    answer a code of its own, with details by code: ``Conflict(message, code="SOLD_OUT",
    menuId=3)``.
    """

    status_code = 400
    code = "BAD_REQUEST"

    def __init_subclass__(
        cls, *, status: int | None = None, code: str | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status_code = status
        if code is not None:
            cls.code = code

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        **details: Any,
    ):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.headers = headers or {}
        self.details = details

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.details}


class NotFound(ApiError, status=404, code="NOT_FOUND"):
    """Not there, or not the caller's to see."""


class Conflict(ApiError, status=409, code="CONFLICT"):
    """Refused in the current state."""


class Unprocessable(ApiError, status=422, code="UNPROCESSABLE"):
    """A request this cannot take."""


class TooManyRequests(ApiError, status=429, code="TOO_MANY_REQUESTS"):
    """Too many requests: try again after the Retry-After the refusal names."""


class Unavailable(ApiError, status=503, code="SERVICE_UNAVAILABLE"):
    """Not now: try again after ``retry_after`` seconds (Retry-After)."""

    def __init__(self, message: str, *, retry_after: int = 1, **details: Any):
        super().__init__(message, headers={"Retry-After": str(retry_after)}, **details)


# How a service answers its domain's refusals: each error class (its subclasses too) and
# the ApiError it becomes. One table per service (``<service>/api.py``, ``ERRORS``),
# registered once on the app, so that routes only call handlers.
ErrorTable = Mapping[type[Exception], Callable[[Any], ApiError]]


class ErrorBody(BaseModel):
    """Every error answer: a machine-readable code, a sentence, and details by code."""

    model_config = ConfigDict(extra="allow")
    error: str = Field(examples=["SOLD_OUT"])
    message: str = Field(examples=["menu 3 is sold out for today"])


_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}
_ANSWERS: dict[int, tuple[str, dict[str, Any]]] = {
    400: ("The body is not valid JSON", {}),
    401: (
        "No access token, or one that does not verify",
        {"WWW-Authenticate": {"description": "Bearer challenge", "schema": {"type": "string"}}},
    ),
    403: ("The token lacks the role this needs", {}),
    404: ("Not found (or not yours)", {}),
    409: ("Refused in the current state", {}),
    422: ("The request is not one this can take", {}),
    429: ("Too many requests from this device or person", _RETRY_AFTER),
    503: ("Not now: try again after Retry-After", _RETRY_AFTER),
}


# What any route of a service may answer: a body that is not JSON, no or a bad token, a
# token without the role, a request it cannot take, and the identity provider's keys out of
# reach (a token cannot be checked for now).
EVERY_ROUTE = (400, 401, 403, 422, 503)


def answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error answers of a route, for its OpenAPI ``responses``."""
    return {
        status: {"model": ErrorBody, "description": _ANSWERS[status][0]}
        | ({"headers": _ANSWERS[status][1]} if _ANSWERS[status][1] else {})
        for status in statuses
    }
