"""The web layer every service shares: the correlation id, JSON errors, and the app factory."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from erestaurant.platform import correlation
from erestaurant.platform.errors import ApiError, ErrorTable

log = logging.getLogger(__name__)

_HEADER = correlation.HEADER.lower().encode()


class CorrelationMiddleware:
    """Takes X-Correlation-ID from the request (or makes one) and returns it on the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == _HEADER), b"").decode("latin-1")
        cid = given[:128] or correlation.new_id()
        correlation.correlation_id.set(cid)
        correlation.causation_id.set(None)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] != _HEADER]
                headers.append((_HEADER, cid.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_id)


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status)


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)


async def _invalid_request(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return _error(400, "MALFORMED_JSON", "the request body is not valid JSON")
    problems = [
        {
            "field": ".".join(str(p) for p in e["loc"] if p != "body"),
            "problem": e["msg"],
        }
        for e in errors
    ]
    summary = "; ".join(f"{p['field'] or 'body'}: {p['problem']}" for p in problems)
    return _error(422, "INVALID_REQUEST", summary, problems=problems)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "HTTP_ERROR")
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        # Starlette names only the methods of the first route of the path; one path may be
        # served by several (GET and PATCH of a ticket).
        headers["Allow"] = ", ".join(_methods_at(request))
    return JSONResponse(
        {"error": code, "message": str(exc.detail)}, status_code=exc.status_code, headers=headers
    )


def _methods_at(request: Request) -> list[str]:
    methods: set[str] = set()
    for route in request.app.routes:
        if isinstance(route, Route) and route.methods and route.path_regex.match(request.url.path):
            methods |= route.methods
    return sorted(methods)


def answer_errors(app: FastAPI, table: ErrorTable) -> None:
    """Answer each error of the table as its ApiError, wherever a route raises it."""
    for kind, translate in table.items():

        async def answer(_: Request, exc: Exception, translate: Any = translate) -> JSONResponse:
            return await _api_error(_, translate(exc))

        app.add_exception_handler(kind, answer)


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=exc)
    return _error(500, "INTERNAL_ERROR", "something went wrong on our side")


def create_app(title: str) -> FastAPI:
    app = FastAPI(title=title, docs_url="/docs", redoc_url=None)
    app.add_middleware(CorrelationMiddleware)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    return app
