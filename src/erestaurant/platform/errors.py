"""Errors that an API turns into a JSON answer: ``{"error": CODE, "message": ...}``."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    status_code = 400
    code = "BAD_REQUEST"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None, **details: Any):
        super().__init__(message)
        self.message = message
        self.headers = headers or {}
        self.details = details

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.details}


class NotFound(ApiError):
    status_code = 404
    code = "NOT_FOUND"


class Conflict(ApiError):
    status_code = 409
    code = "CONFLICT"


class Unprocessable(ApiError):
    status_code = 422
    code = "UNPROCESSABLE"


class Unavailable(ApiError):
    status_code = 503
    code = "SERVICE_UNAVAILABLE"

    def __init__(self, message: str, *, retry_after: int = 1, **details: Any):
        super().__init__(message, headers={"Retry-After": str(retry_after)}, **details)


def with_code(base: type[ApiError], code: str) -> type[ApiError]:
    """A subclass of an error kind with its own machine-readable code."""
    return type(code.title().replace("_", ""), (base,), {"code": code})
