"""The web layer every service shares: the correlation id, JSON errors, the app factory, and
the routes that list an employee's own records."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from erestaurant.platform import correlation
from erestaurant.platform.access import Principal, Role
from erestaurant.platform.errors import EVERY_ROUTE, ApiError, ErrorTable, answers
from erestaurant.platform.security import Access, Limit, card_query, card_to_read
from erestaurant.platform.uow import Transaction

log = logging.getLogger(__name__)

T = TypeVar("T", bound=Transaction)

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


# -- an employee's own records -------------------------------------------------------------


def employee_router(prefix: str, tag: str) -> APIRouter:
    """The router of a service whose routes read an employee's own records: any of them may
    answer 404, as another employee's records are answered as if there were none."""
    return APIRouter(prefix=prefix, tags=[tag], responses=answers(*EVERY_ROUTE, 404))


# Reads an employee's records in a unit of work: ``read(tx, card, limit)``.
Read = Callable[[T, str, int], Awaitable[Sequence[object]]]


def employee_list(
    api: APIRouter,
    access: Access,
    uow: Callable[[], T],
    path: str,
    model: type[BaseModel],
    *,
    whose: str,
) -> Callable[[Read[T]], Read[T]]:
    """Add ``GET path`` to ``api``, named as the function it decorates, which reads the
    records: an employee's ``whose``, each as ``model``, at most ``limit``. An employee
    reads their own, or a card card_to_read lets them read."""
    employee = access.allow(Role.EMPLOYEE)

    def add(read: Read[T]) -> Read[T]:
        async def endpoint(
            who: Principal = employee,
            employee_card_no: str | None = card_query(whose),
            limit: Limit = 100,
        ) -> list[Any]:
            card = card_to_read(who, employee_card_no)
            async with uow() as tx:
                return [model.model_validate(r) for r in await read(tx, card, limit)]

        answer = list[model]  # type: ignore[valid-type]  # a model given at run time
        api.add_api_route(
            path, endpoint, methods=["GET"], response_model=answer, name=read.__name__
        )
        return read

    return add
