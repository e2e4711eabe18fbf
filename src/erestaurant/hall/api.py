"""Hall's HTTP API under /halls."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Response, status
from pydantic import Field, StrictInt

from erestaurant.hall import handlers
from erestaurant.hall.domain import (
    IdempotencyKeyReused,
    OrderNotCancellable,
    OrderStatus,
    UnknownCard,
)
from erestaurant.hall.kitchen_client import (
    Kitchen,
    KitchenBusy,
    KitchenRefused,
    KitchenUnavailable,
)
from erestaurant.hall.unit_of_work import HallUnitOfWork
from erestaurant.platform.errors import (
    ApiError,
    Conflict,
    NotFound,
    Unavailable,
    Unprocessable,
    with_code,
)
from erestaurant.platform.schema import Camel, CardNo


class NewOrder(Camel):
    employee_card_no: CardNo
    menu_id: StrictInt
    qty: Annotated[StrictInt, Field(ge=1, le=100)] = 1


class OrderOut(Camel):
    order_id: str
    employee_card_no: str
    menu_id: int
    menu_name: str
    qty: int
    amount: int
    status: OrderStatus
    ordered_at: datetime
    updated_at: datetime | None


UnknownCardError = with_code(Unprocessable, "UNKNOWN_CARD")
KeyReusedError = with_code(Unprocessable, "IDEMPOTENCY_KEY_REUSED")
NotCancellableError = with_code(Conflict, "COOKING_STARTED")
KitchenDownError = with_code(Unavailable, "KITCHEN_UNAVAILABLE")
KitchenBusyError = with_code(Unavailable, "KITCHEN_BUSY")
_KITCHEN_REFUSALS: dict[str, type[ApiError]] = {
    "SOLD_OUT": with_code(Conflict, "SOLD_OUT"),
    "NOT_ON_MENU": with_code(Conflict, "NOT_ON_MENU"),
    "COOKING_STARTED": NotCancellableError,
}


def _kitchen_refusal(exc: KitchenRefused) -> ApiError:
    kind = _KITCHEN_REFUSALS.get(exc.code, with_code(Conflict, exc.code))
    return kind(exc.message or exc.code)


def router(uow: Callable[[], HallUnitOfWork], kitchen: Kitchen) -> APIRouter:
    api = APIRouter(prefix="/halls", tags=["hall"])

    @api.post("/orders", status_code=status.HTTP_201_CREATED, response_model=OrderOut)
    async def place_order(
        body: NewOrder,
        response: Response,
        idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
    ) -> OrderOut:
        cmd = handlers.PlaceOrder(body.employee_card_no, body.menu_id, body.qty, idempotency_key)
        try:
            order, created = await handlers.place_order(cmd, uow(), kitchen)
        except UnknownCard as exc:
            raise UnknownCardError(str(exc), employeeCardNo=body.employee_card_no) from None
        except IdempotencyKeyReused as exc:
            raise KeyReusedError(str(exc)) from None
        except KitchenRefused as exc:
            raise _kitchen_refusal(exc) from None
        except KitchenBusy as exc:
            raise KitchenBusyError(
                f"orders are paused: {exc}", retry_after=exc.retry_after
            ) from None
        except KitchenUnavailable as exc:
            raise KitchenDownError(
                f"orders are paused: {exc}", retry_after=exc.retry_after
            ) from None
        if not created:
            response.headers["Idempotent-Replayed"] = "true"
        return OrderOut.model_validate(order)

    @api.get("/orders/{order_id}", response_model=OrderOut)
    async def get_order(order_id: str) -> OrderOut:
        try:
            return OrderOut.model_validate(await handlers.get_order(order_id, uow()))
        except handlers.OrderNotFound as exc:
            raise NotFound(str(exc)) from None

    @api.post("/orders/{order_id}/cancel", response_model=OrderOut)
    async def cancel_order(order_id: str) -> OrderOut:
        try:
            return OrderOut.model_validate(await handlers.cancel_order(order_id, uow(), kitchen))
        except handlers.OrderNotFound as exc:
            raise NotFound(str(exc)) from None
        except OrderNotCancellable as exc:
            raise NotCancellableError(str(exc)) from None
        except KitchenRefused as exc:
            raise _kitchen_refusal(exc) from None
        except KitchenUnavailable as exc:
            raise KitchenDownError(
                f"cannot cancel now: {exc}", retry_after=exc.retry_after
            ) from None

    return api
